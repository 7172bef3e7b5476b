import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import revoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, handleOf, PASSWORD, registerUser, sessionIdOf, setCookieFor, useApi } from "./harness.ts";

const api = useApi();
let alice: string;
let bob: string;

beforeAll(async () => {
  ({ username: alice } = await registerUser(new TestBrowser()));
  ({ username: bob } = await registerUser(new TestBrowser()));
});

async function loggedIn(username: string, userAgent = "galleta-tests"): Promise<TestBrowser> {
  const browser = new TestBrowser();
  browser.userAgent = userAgent;
  expect((await browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(200);
  return browser;
}

interface Device {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
}

async function devices(browser: TestBrowser): Promise<Device[]> {
  const response = await browser.send(sessions, "/api/sessions");
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: Device[] }).sessions;
}

function revokeFrom(browser: TestBrowser, id: string): Promise<Response> {
  return browser.send(revoke, `/api/sessions/${id}`, { method: "DELETE", params: { id } });
}

describe("GET /api/sessions", { timeout: 20_000 }, () => {
  it("lists the user's sessions with the current one marked, by public handle, never the cookie value", async () => {
    const laptop = await loggedIn(alice, "Laptop browser");
    const phone = await loggedIn(alice, "Phone browser");
    const listed = await devices(laptop);
    const mine = listed.find((device) => device.id === handleOf(laptop));
    const other = listed.find((device) => device.id === handleOf(phone));
    expect(mine).toMatchObject({ current: true, userAgent: "Laptop browser" });
    expect(other).toMatchObject({ current: false, userAgent: "Phone browser" });
    expect(listed.filter((device) => device.current)).toHaveLength(1);
    for (const device of listed) {
      expect(device.id).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.keys(device).sort()).toEqual(["createdAt", "current", "expiresAt", "id", "lastSeenAt", "userAgent"]);
    }
    const text = JSON.stringify(listed);
    expect(text).not.toContain(sessionIdOf(laptop));
    expect(text).not.toContain(sessionIdOf(phone));
  });

  it("lists only the user's own sessions", async () => {
    const alices = await loggedIn(alice);
    const bobs = await loggedIn(bob);
    const ids = (await devices(alices)).map((device) => device.id);
    expect(ids).not.toContain(handleOf(bobs));
  });

  it.each([
    ["no session", async () => new TestBrowser()],
    [
      "an anonymous session",
      async () => {
        const browser = new TestBrowser();
        await browser.send(visits, "/api/visits", { method: "POST" });
        return browser;
      },
    ],
  ])("answers 401 unauthenticated with %s", async (_case, browserFor) => {
    const response = await (await browserFor()).send(sessions, "/api/sessions");
    await expectError(response, 401, "unauthenticated");
  });
});

describe("DELETE /api/sessions/:id", { timeout: 20_000 }, () => {
  it("revokes another of the user's sessions: 204, and that browser is logged out", async () => {
    const laptop = await loggedIn(alice);
    const phone = await loggedIn(alice);
    const phoneHandle = handleOf(phone);
    const response = await revokeFrom(laptop, phoneHandle);
    expect(response.status).toBe(204);
    expect(await (await phone.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
    expect(await (await laptop.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
    expect((await devices(laptop)).map((device) => device.id)).not.toContain(phoneHandle);
  });

  it("revokes the current session too, clearing its cookie", async () => {
    const browser = await loggedIn(alice);
    const response = await revokeFrom(browser, handleOf(browser));
    expect(response.status).toBe(204);
    expect(setCookieFor(response, "sid")).toMatch(/^sid=; .*Max-Age=0/);
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
  });

  it.each([
    ["another user's session", async () => handleOf(await loggedIn(bob))],
    ["a handle that names no session", async () => "0".repeat(64)],
    ["the raw session id instead of its handle", async () => sessionIdOf(await loggedIn(alice))],
    ["a malformed handle", async () => "not-a-handle"],
  ])("answers 404 not_found for %s and revokes nothing", async (_case, target) => {
    const browser = await loggedIn(alice);
    const id = await target();
    await expectError(await revokeFrom(browser, id), 404, "not_found");
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
  });

  it("answers 404 for the user's own session once it has expired, though the TTL monitor has not removed it yet", async () => {
    const stale = await loggedIn(alice);
    const handle = handleOf(stale);
    await api.mongo.db.collection<{ _id: string }>("sessions").updateOne({ _id: handle }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await expectError(await revokeFrom(await loggedIn(alice), handle), 404, "not_found");
    expect(await api.mongo.db.collection<{ _id: string }>("sessions").countDocuments({ _id: handle })).toBe(1);
  });

  it("leaves another user's session alive when asked to revoke it", async () => {
    const bobs = await loggedIn(bob);
    await revokeFrom(await loggedIn(alice), handleOf(bobs));
    expect(await (await bobs.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
  });

  it("answers 401 unauthenticated when not logged in", async () => {
    await expectError(await revokeFrom(new TestBrowser(), "0".repeat(64)), 401, "unauthenticated");
  });
});
