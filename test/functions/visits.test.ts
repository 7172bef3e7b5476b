import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { handleOf, PASSWORD, registerUser, sessionIdOf, setCookieFor, useApi } from "./harness.ts";

const api = useApi();
let username: string;

beforeAll(async () => {
  ({ username } = await registerUser(new TestBrowser()));
});

/** A browser logged in as the file's user, on a session of its own with no visits yet. */
async function loggedInBrowser(): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const response = await browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } });
  expect(response.status).toBe(200);
  return browser;
}

describe("POST /api/visits", { timeout: 20_000 }, () => {
  it("starts an anonymous session on the first visit and says so", async () => {
    const browser = new TestBrowser();
    const response = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ visits: 1, firstVisit: true });
    expect(setCookieFor(response, "sid")).toMatch(/^sid=s%3A|^sid=s:/);
    expect(await (await browser.send(session, "/api/session")).json()).toEqual({ authenticated: false, visits: 1 });
  });

  it("counts on from there in the same session, keeping the same session id", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const id = sessionIdOf(browser);
    const second = await browser.send(visits, "/api/visits", { method: "POST" });
    const third = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(await second.json()).toEqual({ visits: 2, firstVisit: false });
    expect(await third.json()).toEqual({ visits: 3, firstVisit: false });
    expect(sessionIdOf(browser)).toBe(id);
  });

  it("keeps separate counts for separate browsers", async () => {
    const [one, two] = [new TestBrowser(), new TestBrowser()];
    await one.send(visits, "/api/visits", { method: "POST" });
    await one.send(visits, "/api/visits", { method: "POST" });
    expect(await (await two.send(visits, "/api/visits", { method: "POST" })).json()).toEqual({ visits: 1, firstVisit: true });
  });

  it("counts a logged-in user's visits in their session", async () => {
    const browser = await loggedInBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const body = await (await browser.send(session, "/api/session")).json();
    expect(body).toMatchObject({ authenticated: true, user: { username }, visits: 1 });
  });

  it("starts a new session when the cookie names a session that no longer exists", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const stale = sessionIdOf(browser);
    await api.mongo.db.collection<{ _id: string }>("sessions").deleteOne({ _id: handleOf(browser) });
    const response = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(await response.json()).toEqual({ visits: 1, firstVisit: true });
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
