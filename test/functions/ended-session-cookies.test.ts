import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import account from "../../functions/account.ts";
import login from "../../functions/login.ts";
import password from "../../functions/password.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import registration from "../../functions/passkey-registration.ts";
import session from "../../functions/session.ts";
import { services } from "../../lib/services.ts";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { holdCalls } from "../support/hold.ts";
import { TestBrowser } from "../support/requests.ts";
import { loggedIn, storedSessions } from "./account-harness.ts";
import { expectError, handleOf, PASSWORD, registerUser, SECRET, setCookieFor } from "./harness.ts";
import { askRegistrationOptions, SITE } from "./passkey-harness.ts";

// An answer whose session turned out to be gone clears the session cookie and its cached copy, as
// a plain read of a dead cookie does. With the cookie cache on, a browser left holding both would
// read as logged in at GET /api/session until the copy's window ended, as an account that no
// longer exists. Each test holds a request at one point (holdCalls) and ends its session there.
const api = useFunctionEnv({ SESSION_SECRETS: SECRET, SESSION_CACHE_SECONDS: "300" });
const NEW_PASSWORD = "a brand new passphrase";

/** Asserts the browser that took the answer reads as signed out, the answer having cleared both cookies. */
async function expectCleared(browser: TestBrowser, response: Response): Promise<void> {
  expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
  expect(setCookieFor(response, "sid")).toMatch(/^sid=;.*Max-Age=0/);
  expect(setCookieFor(response, "sid.cache")).toMatch(/^sid\.cache=;.*Max-Age=0/);
}

/** A registered user's browser holding its session cookie and the cached copy. */
async function cachedBrowser(): Promise<{ browser: TestBrowser; username: string; id: string }> {
  const browser = new TestBrowser();
  const user = await registerUser(browser);
  expect([...browser.cookies.keys()]).toEqual(expect.arrayContaining(["sid", "sid.cache"]));
  return { browser, ...user };
}

function changePassword(browser: TestBrowser): Promise<Response> {
  return browser.send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } });
}

function deleteAccount(browser: TestBrowser): Promise<Response> {
  return browser.send(account, "/api/account", { method: "DELETE" });
}

describe("a password change that loses the race to the account's deletion, with SESSION_CACHE_SECONDS on", { timeout: 60_000 }, () => {
  it.each([
    ["before its password check", "findCredentials", "before"],
    ["after its password check, before its writes", "setPassword", "before"],
    ["after its new password, before its new session", "setPassword", "after"],
  ] as const)("clears both cookies when the deletion lands %s", async (_when, method, at) => {
    const { browser, username, id } = await cachedBrowser();
    const phone = await loggedIn(username);
    const held = holdCalls(services().users, method, { at });
    const changing = changePassword(browser);
    await held.reached;
    expect((await deleteAccount(phone)).status).toBe(204);
    held.release();
    const response = await changing;
    await expectError(response.clone(), 401, "invalid_credentials");
    await expectCleared(browser, response);
    expect(await storedSessions(api.mongo, id)).toEqual([]);
  });
});

describe("other requests whose session ends while they run, with SESSION_CACHE_SECONDS on", { timeout: 60_000 }, () => {
  it("clears both cookies when a re-authentication's session is deleted after its password check", async () => {
    const { browser, username } = await cachedBrowser();
    const other = await loggedIn(username);
    const mark = holdCalls(services().sessions, "markAuthenticated");
    const confirming = browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: PASSWORD } });
    await mark.reached;
    expect((await deleteAccount(other)).status).toBe(204);
    mark.release();
    const response = await confirming;
    await expectError(response.clone(), 401, "unauthenticated");
    await expectCleared(browser, response);
  });

  it("clears both cookies when a re-authentication's password check finds the account deleted", async () => {
    const { browser, username } = await cachedBrowser();
    const other = await loggedIn(username);
    const lookup = holdCalls(services().users, "findCredentials");
    const confirming = browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: PASSWORD } });
    await lookup.reached;
    expect((await deleteAccount(other)).status).toBe(204);
    lookup.release();
    const response = await confirming;
    await expectError(response.clone(), 401, "invalid_credentials");
    await expectCleared(browser, response);
  });

  it("keeps both cookies for a plain wrong password: the session is still there", async () => {
    const { browser, id } = await cachedBrowser();
    const response = await browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: "not the password" } });
    await expectError(response.clone(), 401, "invalid_credentials");
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await storedSessions(api.mongo, id)).toEqual([handleOf(browser)]);
  });

  it("clears both cookies when a passkey's registration finds the account deleted", async () => {
    const { browser, username } = await cachedBrowser();
    const asked = (await (await askRegistrationOptions(browser)).json()) as PublicKeyCredentialCreationOptionsJSON;
    // The options' proof dropped the cached copy (it showed the old authenticatedAt); a read makes a new one.
    await browser.send(session, "/api/session");
    expect([...browser.cookies.keys()]).toContain("sid.cache");
    const other = await loggedIn(username);
    const insert = holdCalls(services().passkeys, "insert");
    const body = { response: new SoftAuthenticator().register(asked, SITE) };
    const registering = browser.send(registration, "/api/passkeys/registration", { method: "POST", body });
    await insert.reached;
    expect((await deleteAccount(other)).status).toBe(204);
    insert.release();
    const response = await registering;
    await expectError(response.clone(), 401, "unauthenticated");
    await expectCleared(browser, response);
  });

  it("clears both cookies when a log-in over a live session loses to a password change elsewhere", async () => {
    const { browser, username, id } = await cachedBrowser();
    const other = await loggedIn(username);
    // The log-in has proved the password; the change lands before its new session is stored.
    const insert = holdCalls(services().sessions, "regenerate");
    const logging = browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } });
    await insert.reached;
    expect((await changePassword(other)).status).toBe(200);
    insert.release();
    const response = await logging;
    await expectError(response.clone(), 401, "invalid_credentials");
    await expectCleared(browser, response);
    expect(await storedSessions(api.mongo, id)).toEqual([handleOf(other)]);
  });
});
