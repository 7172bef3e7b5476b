import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { ObjectId } from "mongodb";
import { legacyHash } from "../support/legacy-hash.ts";
import { useRealPasswordCostInThisTest } from "../support/password-cost.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, expectNoLeaks, PASSWORD, registerUser, sessionIdOf, setCookieFor, uniqueName, useApi } from "./harness.ts";

const api = useApi();
let user: { username: string; id: string };

beforeAll(async () => {
  user = await registerUser(new TestBrowser());
});

function logIn(browser: TestBrowser, body: unknown, ip?: string): Promise<Response> {
  return browser.send(login, "/api/login", { method: "POST", body, ...(ip === undefined ? {} : { ip }) });
}

describe("POST /api/login", { timeout: 20_000 }, () => {
  it("answers 200 with the new session's state, exactly what GET /api/session then answers, and sets the session cookie", async () => {
    const browser = new TestBrowser();
    const started = Date.now();
    const response = await logIn(browser, { username: user.username, password: PASSWORD });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      authenticated: true,
      user: { id: user.id, username: user.username },
      session: { createdAt: expect.any(String), expiresAt: expect.any(String) },
      visits: 0,
    });
    expect(Object.keys(body.user).sort()).toEqual(["id", "username"]);
    expect(Date.parse(body.session.createdAt)).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(body.session.expiresAt)).toBeGreaterThan(Date.parse(body.session.createdAt));
    expect(setCookieFor(response, "sid")).toMatch(/HttpOnly/);
    expect(setCookieFor(response, "sid")).toMatch(/SameSite=Lax/);
    expect(await (await browser.send(session, "/api/session")).json()).toEqual(body);
  });

  it("accepts the username in any letter case and with surrounding spaces", async () => {
    const response = await logIn(new TestBrowser(), { username: `  ${user.username.toUpperCase()} `, password: PASSWORD });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { username: user.username } });
  });

  it("issues a new session id on every login, even when already logged in", async () => {
    const browser = new TestBrowser();
    await logIn(browser, { username: user.username, password: PASSWORD });
    const first = sessionIdOf(browser);
    await logIn(browser, { username: user.username, password: PASSWORD });
    expect(sessionIdOf(browser)).not.toBe(first);
  });

  it("leaves a session id planted before login worthless after it (fixation)", async () => {
    const attacker = new TestBrowser();
    await attacker.send(visits, "/api/visits", { method: "POST" });
    const planted = attacker.cookies.get("sid") as string;
    const victim = new TestBrowser();
    victim.cookies.set("sid", planted);
    expect((await logIn(victim, { username: user.username, password: PASSWORD })).status).toBe(200);
    expect(victim.cookies.get("sid")).not.toBe(planted);
    expect(await (await victim.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
    const replay = await attacker.send(session, "/api/session");
    expect(await replay.json()).toMatchObject({ authenticated: false });
  });

  it("carries an anonymous session's visits over into the logged-in session, and says so in its answer", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    await browser.send(visits, "/api/visits", { method: "POST" });
    const response = await logIn(browser, { username: user.username, password: PASSWORD });
    expect(await response.json()).toMatchObject({ authenticated: true, visits: 2 });
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: true, visits: 2 });
  });

  it("answers a wrong password and an unknown username with the same 401 invalid_credentials", async () => {
    const wrongPassword = await logIn(new TestBrowser(), { username: user.username, password: "not the password" });
    const unknownUser = await logIn(new TestBrowser(), { username: uniqueName("ghost"), password: PASSWORD });
    const [one, two] = await Promise.all([wrongPassword.text(), unknownUser.text()]);
    expect([wrongPassword.status, unknownUser.status]).toEqual([401, 401]);
    expect(one).toBe(two);
    expect(JSON.parse(one)).toMatchObject({ error: { code: "invalid_credentials" } });
    expect(wrongPassword.headers.getSetCookie()).toEqual([]);
    expect(unknownUser.headers.getSetCookie()).toEqual([]);
  });

  it("does not log in with a failed attempt, and keeps an existing session as it was", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const before = sessionIdOf(browser);
    await logIn(browser, { username: user.username, password: "not the password" });
    expect(sessionIdOf(browser)).toBe(before);
    expect(await (await browser.send(session, "/api/session")).json()).toEqual({ authenticated: false, visits: 1 });
  });

  it.each([
    ["no username", { password: PASSWORD }, "username"],
    ["no password", { username: "someone" }, "password"],
    ["a numeric username", { username: 42, password: PASSWORD }, "username"],
    ["a null password", { username: "someone", password: null }, "password"],
  ])("answers 400 invalid_input naming the field for %s", async (_case, body, field) => {
    const error = await expectError(await logIn(new TestBrowser(), body), 400, "invalid_input");
    expect(error.error.field).toBe(field);
  });

  it.each([
    ["an array", [1, 2]],
    ["a string", "alice"],
    ["null", null],
  ])("answers 400 invalid_input when the body is %s, not an object", async (_case, body) => {
    await expectError(await logIn(new TestBrowser(), JSON.stringify(body)), 400, "invalid_input");
  });

  it("never shows the password hash", async () => {
    const response = await logIn(new TestBrowser(), { username: user.username, password: PASSWORD });
    expectNoLeaks(await response.text());
  });

  it("gives the browser a signed, HttpOnly device cookie bound to the user, for a year", async () => {
    const response = await logIn(new TestBrowser(), { username: user.username, password: PASSWORD });
    const device = setCookieFor(response, "device");
    expect(device).toMatch(/^device=s:[0-9a-f]{24}:[^;]+\.[A-Za-z0-9+/]{43};/);
    expect(device).toMatch(/HttpOnly/);
    expect(device).toMatch(/Max-Age=31536000/);
  });

  it("carries a user with an older password hash (N = 2^15, NFKC) across: logs in, and stores today's hash", async () => {
    useRealPasswordCostInThisTest();
    const username = uniqueName("legacy");
    const password = "ﬁne old password";
    const users = api.mongo.db.collection("users");
    await users.insertOne({ _id: new ObjectId(), username, passwordHash: legacyHash(password), createdAt: new Date() });
    expect((await logIn(new TestBrowser(), { username, password })).status).toBe(200);
    const upgraded = String((await users.findOne({ username }))?.passwordHash);
    expect(upgraded).toMatch(/^scrypt-nfc\$131072\$8\$1\$/);
    expect((await logIn(new TestBrowser(), { username, password })).status).toBe(200);
  });
});
