import { describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import password from "../../functions/password.ts";
import session from "../../functions/session.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import { provePasswordThen, startUserSession } from "../../lib/accounts/sign-in.ts";
import { services } from "../../lib/services.ts";
import { TestBrowser } from "../support/requests.ts";
import { ageAuthentication, loggedIn, storedSessions } from "./account-harness.ts";
import { expectError, handleOf, PASSWORD, registerUser, setCookieFor, useApi } from "./harness.ts";

const api = useApi();
const NEW_PASSWORD = "a brand new passphrase";

function change(browser: TestBrowser, body: unknown, ip?: string): Promise<Response> {
  return browser.send(password, "/api/password", { method: "POST", body, ...(ip === undefined ? {} : { ip }) });
}

async function logInStatus(username: string, secret: string): Promise<number> {
  return (await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: secret } })).status;
}

async function bearerFor(browser: TestBrowser): Promise<string> {
  const response = await browser.send(token, "/api/token", { method: "POST" });
  expect(response.status).toBe(200);
  return `Bearer ${((await response.json()) as { token: string }).token}`;
}

async function sessionAs(authorization: string): Promise<number> {
  return (await new TestBrowser().send(session, "/api/session", { headers: { authorization } })).status;
}

describe("POST /api/password", { timeout: 30_000 }, () => {
  it("stores the new password, ends every other session, and gives this one a new id", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const phone = await loggedIn(username);
    const before = handleOf(laptop);
    const response = await change(laptop, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { id: string; username: string }; session: { authenticatedAt: string }; revoked: number };
    expect(body).toMatchObject({ user: { id, username }, revoked: 1 });
    expect(setCookieFor(response, "sid")).toMatch(/^sid=s:/);
    expect(handleOf(laptop)).not.toBe(before);
    expect(await storedSessions(api.mongo, id)).toEqual([handleOf(laptop)]);
    expect(await (await laptop.send(session, "/api/session")).json()).toMatchObject({ authenticated: true, user: { username } });
    expect(await (await phone.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
    expect(await logInStatus(username, PASSWORD)).toBe(401);
    expect(await logInStatus(username, NEW_PASSWORD)).toBe(200);
  });

  it("keeps a bearer token's own session (and so the token) when the token makes the change, and ends the others", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    const minted = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } });
    const authorization = `Bearer ${((await minted.json()) as { token: string }).token}`;
    const request = new Request("http://localhost:8888/api/password", {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    });
    const response = await password(request, { ip: "127.0.0.1", params: {} });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ revoked: 1 });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await sessionAs(authorization)).toBe(200);
    expect(await (await laptop.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
  });

  it("answers 401 invalid_credentials for a wrong current password and changes nothing", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    const phone = await loggedIn(username);
    await expectError(await change(laptop, { currentPassword: "not the password", newPassword: NEW_PASSWORD }), 401, "invalid_credentials");
    expect(await (await phone.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
    expect(await logInStatus(username, PASSWORD)).toBe(200);
  });

  it("is throttled like log-in: after 5 wrong current passwords even the right one answers 429", async () => {
    const laptop = new TestBrowser();
    await registerUser(laptop);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expectError(await change(laptop, { currentPassword: `wrong ${attempt} guess`, newPassword: NEW_PASSWORD }, "198.51.100.7"), 401, "invalid_credentials");
    }
    // From the same network: the pair limit (issue 10), which even the browser's device cookie does not lift.
    await expectError(await change(laptop, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, "198.51.100.7"), 429, "too_many_attempts");
  });

  it.each([
    ["a short new password", { currentPassword: PASSWORD, newPassword: "short" }, "newPassword"],
    ["no new password", { currentPassword: PASSWORD }, "newPassword"],
    ["no current password", { newPassword: NEW_PASSWORD }, "currentPassword"],
  ])("answers 400 invalid_input for %s, naming the field", async (_case, body, field) => {
    const laptop = new TestBrowser();
    await registerUser(laptop);
    expect((await expectError(await change(laptop, body), 400, "invalid_input")).error.field).toBe(field);
  });

  it("needs a recent log-in: 403 reauthentication_required, and the password is unchanged", async () => {
    const { username } = await registerUser(new TestBrowser());
    const laptop = await loggedIn(username);
    await ageAuthentication(api.mongo, laptop, 11);
    await expectError(await change(laptop, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }), 403, "reauthentication_required");
    expect(await logInStatus(username, PASSWORD)).toBe(200);
  });

  it("leaves no session to a log-in whose password check passed just before the change landed", async () => {
    const { username, id } = await registerUser(new TestBrowser());
    const app = services();
    const device = { userAgent: "race test", network: "192.0.2.0/24" };
    const racing = provePasswordThen(app, username, PASSWORD, "192.0.2.1", device, new Date(), {
      // The change (new hash, every session deleted) lands between this log-in's check and its insert.
      then: async (user, proof) => {
        expect(await app.users.setPassword(id, NEW_PASSWORD, proof.passwordVersion)).toBe(true);
        await app.store.destroyByUser(id);
        return startUserSession(app, undefined, null, user, { event: "logged_in", remember: true, device, proof });
      },
    });
    await expect(racing).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(await storedSessions(api.mongo, id)).toEqual([]);
    expect(await logInStatus(username, NEW_PASSWORD)).toBe(200);
  });

  it("answers 401 unauthenticated without a session", async () => {
    await expectError(await change(new TestBrowser(), { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }), 401, "unauthenticated");
  });

  it("refuses the revoked session's cookie and tokens once it has answered, whatever that session did meanwhile", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    const phone = await loggedIn(username);
    const earlier = await bearerFor(phone);
    const racing = [
      ...Array.from({ length: 5 }, () => phone.request("/api/visits", { method: "POST" })).map((request) => visits(request, { ip: "127.0.0.1", params: {} })),
      ...Array.from({ length: 3 }, () => token(phone.request("/api/token", { method: "POST" }), { ip: "127.0.0.1", params: {} })),
      ...Array.from({ length: 3 }, () => visits(new Request("http://localhost:8888/api/visits", { method: "POST", headers: { authorization: earlier } }), { ip: "127.0.0.1", params: {} })),
    ];
    const [changed, ...others] = await Promise.all([change(laptop, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }), ...racing]);
    expect(changed.status).toBe(200);
    const minted = await Promise.all(
      others.slice(5, 8).filter((response) => response.status === 200).map(async (response) => `Bearer ${((await response.json()) as { token: string }).token}`),
    );
    for (const authorization of [earlier, ...minted]) expect(await sessionAs(authorization)).toBe(401);
    expect(await (await phone.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
    expect(await (await laptop.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
  });
});
