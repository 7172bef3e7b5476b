import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import revoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { ageAuthentication, loggedIn as logInAs, storedSessions } from "./account-harness.ts";
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

  it("revokes the current session as a log-out, even with an old log-in: its cookie cleared and Clear-Site-Data sent", async () => {
    const browser = await loggedIn(alice);
    await ageAuthentication(api.mongo, browser, 11);
    const handle = handleOf(browser);
    const response = await revokeFrom(browser, handle);
    expect(response.status).toBe(204);
    expect(response.headers.get("clear-site-data")).toBe('"cache"');
    expect(setCookieFor(response, "sid")).toMatch(/^sid=; .*Max-Age=0/);
    expect(await api.mongo.db.collection<{ _id: string }>("sessions").countDocuments({ _id: handle })).toBe(0);
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
  });

  it("refuses a stolen cookie whose log-in is old to revoke the owner's sessions one at a time: 403 for each, and every session is left", async () => {
    const { username, id } = await registerUser(new TestBrowser());
    const stolen = await logInAs(username);
    const owners = await Promise.all([logInAs(username), logInAs(username), logInAs(username)]);
    await ageAuthentication(api.mongo, stolen, 11);
    const before = await storedSessions(api.mongo, id);
    expect(before).toHaveLength(5);
    const others = (await devices(stolen)).filter((device) => !device.current);
    expect(others).toHaveLength(4);
    const answers = [];
    for (const other of others) answers.push(await revokeFrom(stolen, other.id));
    expect((await storedSessions(api.mongo, id)).sort()).toEqual(before.sort());
    for (const answer of answers) await expectError(answer, 403, "reauthentication_required");
    for (const owner of owners) expect(await (await owner.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
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

describe("DELETE /api/sessions (sign out everywhere else)", { timeout: 30_000 }, () => {
  function signOutOthers(browser: TestBrowser): Promise<Response> {
    return browser.send(sessions, "/api/sessions", { method: "DELETE" });
  }

  it("deletes every other session of the user, keeps the current one and another user's, and answers how many", async () => {
    const { username } = await registerUser(new TestBrowser());
    const [laptop, phone, tablet] = await Promise.all([logInAs(username), logInAs(username), logInAs(username)]);
    const bobs = await logInAs(bob);
    const response = await signOutOthers(laptop as TestBrowser);
    expect(response.status).toBe(200);
    // The registering browser's session, the phone's and the tablet's.
    expect(await response.json()).toEqual({ revoked: 3 });
    for (const other of [phone, tablet] as TestBrowser[]) {
      expect(await (await other.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
    }
    expect(await (await (laptop as TestBrowser).send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
    expect(await (await bobs.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
    expect((await devices(laptop as TestBrowser)).map((device) => device.id)).toEqual([handleOf(laptop as TestBrowser)]);
  });

  it("stops every token bound to the other sessions", async () => {
    const { username } = await registerUser(new TestBrowser());
    const script = new TestBrowser();
    const minted = await script.send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } });
    const { token: bearer } = (await minted.json()) as { token: string };
    const laptop = await logInAs(username);
    expect(await (await signOutOthers(laptop)).json()).toEqual({ revoked: 2 });
    const replay = await new TestBrowser().send(session, "/api/session", { headers: { authorization: `Bearer ${bearer}` } });
    await expectError(replay, 401, "invalid_token");
  });

  it("signs out everywhere but the token's own session when called with a bearer token", async () => {
    const { username } = await registerUser(new TestBrowser());
    const laptop = await logInAs(username);
    const minted = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } });
    const authorization = `Bearer ${((await minted.json()) as { token: string }).token}`;
    const response = await new TestBrowser().send(sessions, "/api/sessions", { method: "DELETE", headers: { authorization } });
    expect(await response.json()).toEqual({ revoked: 2 });
    expect(await (await laptop.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
    expect(await (await new TestBrowser().send(session, "/api/session", { headers: { authorization } })).json()).toMatchObject({ authenticated: true });
  });

  it("answers 403 reauthentication_required when the last log-in is older than the window, and revokes nothing", async () => {
    const { username } = await registerUser(new TestBrowser());
    const [laptop, phone] = await Promise.all([logInAs(username), logInAs(username)]);
    await ageAuthentication(api.mongo, laptop, 11);
    await expectError(await signOutOthers(laptop), 403, "reauthentication_required");
    expect(await (await phone.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
  });

  it("answers 401 unauthenticated without a session", async () => {
    await expectError(await signOutOthers(new TestBrowser()), 401, "unauthenticated");
  });

  it("refuses a cross-site request", async () => {
    const laptop = await logInAs(alice);
    const response = await laptop.send(sessions, "/api/sessions", { method: "DELETE", headers: { origin: "https://evil.example" } });
    await expectError(response, 403, "forbidden_origin");
  });
});
