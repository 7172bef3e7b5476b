import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import register from "../../functions/register.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { useRealPasswordCostInThisTest } from "../support/password-cost.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, sessionIdOf, setCookieFor, uniqueName, useApi } from "./harness.ts";

const api = useApi();

function signUp(browser: TestBrowser, body: unknown): Promise<Response> {
  return browser.send(register, "/api/register", { method: "POST", body });
}

describe("POST /api/register", { timeout: 20_000 }, () => {
  it("answers 201 with the new session's state, sets the session cookie and is logged in: GET /api/session answers the same", async () => {
    const browser = new TestBrowser();
    const username = uniqueName();
    const response = await signUp(browser, { username, password: PASSWORD });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body).toMatchObject({ authenticated: true, session: { authenticatedAt: expect.any(String), remember: true }, visits: 0 });
    expect(body.user).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), username });
    expect(setCookieFor(response, "sid")).toMatch(/HttpOnly/);
    expect(await (await browser.send(session, "/api/session")).json()).toEqual(body);
  });

  it("stores the username lower-cased and trimmed, so names are case-insensitive", async () => {
    const username = uniqueName();
    const response = await signUp(new TestBrowser(), { username: `  ${username.toUpperCase()}  `, password: PASSWORD });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ user: { username } });
    const loggedIn = await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } });
    expect(loggedIn.status).toBe(200);
  });

  it("answers 409 username_taken for a name that exists in any letter case, and sets no cookie", async () => {
    const username = uniqueName();
    await signUp(new TestBrowser(), { username, password: PASSWORD });
    const again = await signUp(new TestBrowser(), { username: username.toUpperCase(), password: "another password" });
    expect(again.headers.getSetCookie()).toEqual([]);
    const error = await expectError(again, 409, "username_taken");
    expect(error.error.field).toBe("username");
  });

  it("keeps the first password when a second registration for the name is refused", async () => {
    const username = uniqueName();
    await signUp(new TestBrowser(), { username, password: PASSWORD });
    await signUp(new TestBrowser(), { username, password: "another password" });
    const stolen = await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: "another password" } });
    expect(stolen.status).toBe(401);
  });

  it("issues a new session id, carrying an anonymous session's visits over", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const anonymous = sessionIdOf(browser);
    const response = await signUp(browser, { username: uniqueName(), password: PASSWORD });
    expect(sessionIdOf(browser)).not.toBe(anonymous);
    expect(await response.json()).toMatchObject({ authenticated: true, visits: 1 });
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: true, visits: 1 });
  });

  it.each([
    ["a username of 2 characters", { username: "ab", password: PASSWORD }, "username"],
    ["a username of 33 characters", { username: "a".repeat(33), password: PASSWORD }, "username"],
    ["a username with a space", { username: "al ice", password: PASSWORD }, "username"],
    ["a username with non-ASCII letters", { username: "jösé", password: PASSWORD }, "username"],
    ["a username with a $", { username: "$where", password: PASSWORD }, "username"],
    ["a missing username", { password: PASSWORD }, "username"],
    ["a username that is an object", { username: { $ne: "" }, password: PASSWORD }, "username"],
    ["a password of 7 characters", { username: "valid_name", password: "1234567" }, "password"],
    ["a password of 257 characters", { username: "valid_name", password: "p".repeat(257) }, "password"],
    ["a missing password", { username: "valid_name" }, "password"],
  ])("answers 400 invalid_input naming the field for %s", async (_case, body, field) => {
    const browser = new TestBrowser();
    const error = await expectError(await signUp(browser, body), 400, "invalid_input");
    expect(error.error.field).toBe(field);
    expect(browser.cookies.size).toBe(0);
  });

  it.each([
    ["3 characters", () => randomBytes(2).toString("hex").slice(0, 3)],
    ["32 characters", () => uniqueName().padEnd(32, "x").slice(0, 32)],
    ["every allowed character", () => `a-b_c.9${randomBytes(3).toString("hex")}`],
  ])("accepts a username of %s", async (_case, username) => {
    expect((await signUp(new TestBrowser(), { username: username(), password: PASSWORD })).status).toBe(201);
  });

  it("accepts passwords of 8 and of 256 characters", async () => {
    for (const password of ["12345678", "p".repeat(256)]) {
      expect((await signUp(new TestBrowser(), { username: uniqueName(), password })).status).toBe(201);
    }
  });

  it("stores a scrypt hash with a per-user salt, never the password", async () => {
    useRealPasswordCostInThisTest();
    const [one, two] = [uniqueName(), uniqueName()];
    await signUp(new TestBrowser(), { username: one, password: PASSWORD });
    await signUp(new TestBrowser(), { username: two, password: PASSWORD });
    const users = await api.mongo.db.collection("users").find({ username: { $in: [one, two] } }).toArray();
    expect(users).toHaveLength(2);
    expect(JSON.stringify(users)).not.toContain(PASSWORD);
    const [hashOne, hashTwo] = users.map((user) => String(user.passwordHash));
    expect(hashOne).toMatch(/^scrypt-nfc\$131072\$8\$1\$/);
    expect(hashOne).not.toBe(hashTwo);
  });

  it("keeps the users collection under a unique index on the normalised username", async () => {
    await signUp(new TestBrowser(), { username: uniqueName(), password: PASSWORD });
    const indexes = await api.mongo.db.collection("users").indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { username: 1 }, unique: true }));
  });
});
