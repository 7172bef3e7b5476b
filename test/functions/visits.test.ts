import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import session from "../../functions/session.ts";
import authenticationOptions from "../../functions/passkey-authentication-options.ts";
import visits from "../../functions/visits.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, handleOf, PASSWORD, registerUser, SECRET, sessionIdOf, setCookieFor } from "./harness.ts";
import { ceilingGrowth, growth, stored } from "./stored.ts";

// A small limit on sessions started without cookies, so a flood reaches it in a few requests.
const ANONYMOUS_LIMIT = 5;
const api = useFunctionEnv({ SESSION_SECRETS: SECRET, ANONYMOUS_SESSIONS_PER_NETWORK: String(ANONYMOUS_LIMIT) });
let username: string;

beforeAll(async () => {
  ({ username } = await registerUser(new TestBrowser()));
});

/** A browser logged in as the file's user, on a session of its own with no visits yet (from `ip` if given). */
async function loggedInBrowser(ip?: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  if (ip !== undefined) browser.ip = ip;
  const response = await browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } });
  expect(response.status).toBe(200);
  return browser;
}

describe("POST /api/visits", { timeout: 20_000 }, () => {
  it("starts an anonymous session on the first visit and says so", async () => {
    const browser = new TestBrowser();
    const response = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ authenticated: false, visits: 1, firstVisit: true });
    expect(setCookieFor(response, "sid")).toMatch(/^sid=s%3A|^sid=s:/);
    expect(await (await browser.send(session, "/api/session")).json()).toEqual({ authenticated: false, visits: 1 });
  });

  it("counts on from there in the same session, keeping the same session id", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const id = sessionIdOf(browser);
    const second = await browser.send(visits, "/api/visits", { method: "POST" });
    const third = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(await second.json()).toEqual({ authenticated: false, visits: 2, firstVisit: false });
    expect(await third.json()).toEqual({ authenticated: false, visits: 3, firstVisit: false });
    expect(sessionIdOf(browser)).toBe(id);
  });

  it("keeps separate counts for separate browsers", async () => {
    const [one, two] = [new TestBrowser(), new TestBrowser()];
    await one.send(visits, "/api/visits", { method: "POST" });
    await one.send(visits, "/api/visits", { method: "POST" });
    expect(await (await two.send(visits, "/api/visits", { method: "POST" })).json()).toEqual({ authenticated: false, visits: 1, firstVisit: true });
  });

  it("counts a logged-in user's visits in their session", async () => {
    const browser = await loggedInBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const body = await (await browser.send(session, "/api/session")).json();
    expect(body).toMatchObject({ authenticated: true, user: { username }, visits: 1 });
  });

  it("answers a logged-in user's visit with what GET /api/session then answers, plus firstVisit: the idle expiry it moved included", async () => {
    const browser = await loggedInBrowser();
    const loggedIn = await (await browser.send(session, "/api/session")).json();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { firstVisit, ...state } = await (await browser.send(visits, "/api/visits", { method: "POST" })).json();
    expect(firstVisit).toBe(true);
    expect(state).toMatchObject({ authenticated: true, user: { username }, visits: 1 });
    expect(Date.parse(state.session.lastSeenAt)).toBeGreaterThan(Date.parse(loggedIn.session.lastSeenAt));
    expect(Date.parse(state.session.expiresAt)).toBeGreaterThan(Date.parse(loggedIn.session.expiresAt));
    expect(await (await browser.send(session, "/api/session")).json()).toEqual(state);
  });

  it("answers a visit whose logged-in session was revoked with the new anonymous session's state, so the page sees the session gone", async () => {
    const browser = await loggedInBrowser();
    await api.mongo.db.collection<{ _id: string }>("sessions").deleteOne({ _id: handleOf(browser) });
    const response = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(await response.json()).toEqual({ authenticated: false, visits: 1, firstVisit: true });
  });

  it("starts a new session when the cookie names a session that no longer exists", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const stale = sessionIdOf(browser);
    await api.mongo.db.collection<{ _id: string }>("sessions").deleteOne({ _id: handleOf(browser) });
    const response = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(await response.json()).toEqual({ authenticated: false, visits: 1, firstVisit: true });
    expect(sessionIdOf(browser)).not.toBe(stale);
  });

  it("ends at exactly 100 after 100 concurrent visits on one cookie, each seeing a different count", async () => {
    const browser = await loggedInBrowser();
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => visits(browser.request("/api/visits", { method: "POST" }), { ip: "127.0.0.1", params: {} })),
    );
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as { visits: number; firstVisit: boolean }[];
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    expect(bodies.map((body) => body.visits).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(bodies.filter((body) => body.firstVisit)).toHaveLength(1);
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: true, visits: 100 });
  });

  it("costs one database command per increment", async (context) => {
    const standin = api.mongo.standin;
    if (standin === undefined) return context.skip();
    const browser = await loggedInBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    standin.resetCounts();
    for (let visit = 0; visit < 5; visit += 1) await browser.send(visits, "/api/visits", { method: "POST" });
    expect(standin.totalCommands()).toBe(5);
  });
});

let networks = 0;
/** A client network no other test uses, so its counter starts at zero. */
function uniqueNetwork(): string {
  networks += 1;
  return `203.0.113.${networks}`;
}

/** A visit from a new browser, without cookies, from `ip`. */
function visitWithoutCookies(ip: string): Promise<Response> {
  return new TestBrowser().send(visits, "/api/visits", { method: "POST", ip });
}

/** Passkey log-in options asked by a new browser, without cookies, from `ip`. */
function optionsWithoutCookies(ip: string): Promise<Response> {
  return new TestBrowser().send(authenticationOptions, "/api/passkeys/authentication/options", { method: "POST", ip });
}

/** Everything the test database holds. */
function everything() {
  return stored(api.mongo.db);
}

/** Asserts the throttle's refusal: 429 too_many_attempts, Retry-After within the 15-minute window, and no session cookie. */
async function expectRefused(response: Response): Promise<void> {
  expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(Number(response.headers.get("retry-after"))).toBeLessThanOrEqual(15 * 60);
  expect(setCookieFor(response, "sid")).toBeUndefined();
  await expectError(response, 429, "too_many_attempts");
}

describe("what callers without a session can make galleta store (issue 15)", { timeout: 30_000 }, () => {
  it("stores for one network's flood of cookie-less visits the limit's sessions and one counter, then nothing more", async () => {
    const ip = uniqueNetwork();
    const before = await everything();
    const flood = await Promise.all(Array.from({ length: ANONYMOUS_LIMIT * 4 }, () => visitWithoutCookies(ip)));
    const admitted = flood.filter((response) => response.status === 200);
    expect(admitted).toHaveLength(ANONYMOUS_LIMIT);
    for (const response of flood.filter((response) => response.status !== 200)) await expectRefused(response);
    const flooded = await everything();
    expect(growth(before, flooded)).toEqual({ login_attempts: 1, sessions: ANONYMOUS_LIMIT });
    expect(ceilingGrowth(before, flooded)).toEqual({ anonymousSessions: ANONYMOUS_LIMIT });
    for (let visit = 0; visit < 5; visit += 1) await expectRefused(await visitWithoutCookies(ip));
    expect(await everything()).toEqual(flooded);
  });

  it("counts cookie-less visits and passkey options from one network under one bound: the limit's sessions, their challenges and one counter", async () => {
    const ip = uniqueNetwork();
    const before = await everything();
    const asked: Array<{ kind: "visit" | "options"; status: number }> = [];
    for (let request = 0; request < ANONYMOUS_LIMIT * 2; request += 1) {
      const kind = request % 2 === 0 ? "visit" : "options";
      const response = await (kind === "visit" ? visitWithoutCookies(ip) : optionsWithoutCookies(ip));
      asked.push({ kind, status: response.status });
      if (request >= ANONYMOUS_LIMIT) await expectRefused(response);
    }
    expect(asked.slice(0, ANONYMOUS_LIMIT).map(({ status }) => status)).toEqual(Array(ANONYMOUS_LIMIT).fill(200));
    const challenges = asked.slice(0, ANONYMOUS_LIMIT).filter(({ kind }) => kind === "options").length;
    const flooded = await everything();
    expect(growth(before, flooded)).toEqual({ login_attempts: 1, passkey_challenges: challenges, sessions: ANONYMOUS_LIMIT });
    expect(ceilingGrowth(before, flooded)).toEqual({ anonymousSessions: ANONYMOUS_LIMIT });
    await expectRefused(await optionsWithoutCookies(ip));
    await expectRefused(await visitWithoutCookies(ip));
    expect(await everything()).toEqual(flooded);
  });

  it("lets another network start sessions while one is past the limit", async () => {
    const full = uniqueNetwork();
    for (let visit = 0; visit < ANONYMOUS_LIMIT; visit += 1) expect((await visitWithoutCookies(full)).status).toBe(200);
    await expectRefused(await visitWithoutCookies(full));
    const other = uniqueNetwork();
    expect(await (await visitWithoutCookies(other)).json()).toEqual({ authenticated: false, visits: 1, firstVisit: true });
    expect((await optionsWithoutCookies(other)).status).toBe(200);
  });

  it("keeps counting the visits of callers that already have a session on a network past the limit", async () => {
    const ip = uniqueNetwork();
    const visitor = new TestBrowser();
    visitor.ip = ip;
    expect((await visitor.send(visits, "/api/visits", { method: "POST" })).status).toBe(200);
    const user = await loggedInBrowser(ip);
    for (let visit = 1; visit < ANONYMOUS_LIMIT; visit += 1) expect((await visitWithoutCookies(ip)).status).toBe(200);
    await expectRefused(await visitWithoutCookies(ip));
    for (let visit = 2; visit <= 4; visit += 1) {
      expect(await (await visitor.send(visits, "/api/visits", { method: "POST" })).json()).toEqual({ authenticated: false, visits: visit, firstVisit: false });
    }
    expect(await (await user.send(visits, "/api/visits", { method: "POST" })).json()).toMatchObject({ authenticated: true, visits: 1, firstVisit: true });
    expect((await visitor.send(authenticationOptions, "/api/passkeys/authentication/options", { method: "POST" })).status).toBe(200);
  });
});
