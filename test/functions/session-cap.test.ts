import { describe, expect, it } from "vitest";
import session from "../../functions/session.ts";
import token from "../../functions/token.ts";
import login from "../../functions/login.ts";
import register from "../../functions/register.ts";
import { startUserSession } from "../../lib/accounts/sign-in.ts";
import { services } from "../../lib/services.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { holdCalls } from "../support/hold.ts";
import { TestBrowser } from "../support/requests.ts";
import { eventsOf, loggedIn, storedSessions, type ActivityEventBody } from "./account-harness.ts";
import { handleOf, PASSWORD, registerUser, SECRET, uniqueName } from "./harness.ts";

// A cap of 3, so that the log-ins the throttle lets run at once (it counts attempts in flight) go beyond it.
const CAP = 3;
const api = useFunctionEnv({ SESSION_SECRETS: SECRET, SESSION_MAX_PER_USER: String(CAP) });

async function authenticated(browser: TestBrowser): Promise<boolean> {
  return ((await (await browser.send(session, "/api/session")).json()) as { authenticated: boolean }).authenticated;
}

describe("the session cap (SESSION_MAX_PER_USER)", { timeout: 60_000 }, () => {
  it("evicts the least recently used session when a log-in goes beyond it, never the new one, and logs the eviction", async () => {
    const registering = new TestBrowser();
    const { username, id } = await registerUser(registering);
    const oldest = handleOf(registering);
    for (let i = 1; i < CAP; i += 1) await loggedIn(username);
    expect(await storedSessions(api.mongo, id)).toHaveLength(CAP);
    const newest = await loggedIn(username);
    const stored = await storedSessions(api.mongo, id);
    expect(stored).toHaveLength(CAP);
    expect(stored).toContain(handleOf(newest));
    expect(stored).not.toContain(oldest);
    expect(await authenticated(registering)).toBe(false);
    const evicted = (await eventsOf(newest)).filter((event) => event.type === "session_evicted");
    expect(evicted).toEqual([expect.objectContaining({ sessionId: oldest, bySessionId: handleOf(newest) })]);
  });

  it("leaves at most the cap once 30 concurrent log-ins of one user have finished, and logs every eviction", async () => {
    const { username, id } = await registerUser(new TestBrowser());
    const browsers = Array.from({ length: 30 }, () => new TestBrowser());
    const responses = await Promise.all(
      browsers.map((browser, i) => browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD }, ip: `192.0.2.${i + 1}` })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    const started = statuses.filter((status) => status === 200).length;
    expect(started).toBeGreaterThan(CAP);
    const stored = await storedSessions(api.mongo, id);
    expect(stored.length).toBeLessThanOrEqual(CAP);
    const loggedInBrowsers = browsers.filter((_browser, i) => statuses[i] === 200);
    const live = (await Promise.all(loggedInBrowsers.map(authenticated))).filter(Boolean);
    expect(live).toHaveLength(stored.length);
    // The registration's session and every log-in's: all but those left were evicted, each logged
    // (read from the collection: with 30 log-ins they outnumber the activity list's 50 newest).
    const evictions = await api.mongo.db.collection<ActivityEventBody & { userId: string }>("events").find({ userId: id, type: "session_evicted" }).toArray();
    expect(new Set(evictions.map((event) => event.sessionId)).size).toBe(started + 1 - stored.length);
  });

  it("holds for 30 concurrent sign-ins past the throttle too (the library path every log-in takes after the password check)", async () => {
    const { username, id } = await registerUser(new TestBrowser());
    const app = services();
    const device = { userAgent: "concurrency test", network: "192.0.2.0/24" };
    await Promise.all(
      Array.from({ length: 30 }, () => startUserSession(app, undefined, null, { id, username }, { event: "logged_in", remember: true, device })),
    );
    expect((await storedSessions(api.mongo, id)).length).toBeLessThanOrEqual(CAP);
  });

  it("holds for a registration whose session is stored after log-ins of the new account that ran meanwhile", async () => {
    const registering = new TestBrowser();
    const username = uniqueName("capreg");
    // The account exists, its registration's session is not stored yet, and CAP log-ins land there.
    const insert = holdCalls(services().sessions, "regenerate");
    const registered = registering.send(register, "/api/register", { method: "POST", body: { username, password: PASSWORD } });
    await insert.reached;
    const others = [];
    for (let i = 0; i < CAP; i += 1) others.push(await loggedIn(username));
    insert.release();
    const body = (await (await registered).json()) as { user: { id: string } };
    const stored = await storedSessions(api.mongo, body.user.id);
    expect(stored).toHaveLength(CAP);
    expect(stored).toContain(handleOf(registering));
  });

  it("counts sessions started for tokens too", async () => {
    const { username, id } = await registerUser(new TestBrowser());
    for (let i = 0; i < CAP + 2; i += 1) {
      expect((await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(200);
    }
    expect(await storedSessions(api.mongo, id)).toHaveLength(CAP);
  });
});
