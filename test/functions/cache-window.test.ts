import { describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import revoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import token from "../../functions/token.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, handleOf, PASSWORD, registerUser, SECRET, setCookieFor } from "./harness.ts";

// The cookie cache on, with a window long enough that no test outlives it.
useFunctionEnv({ SESSION_SECRETS: SECRET, SESSION_CACHE_SECONDS: "300" });

/** A browser holding a copy of `victim`'s cookies (the session cookie and its cached copy), as a thief would. */
function copyOf(victim: TestBrowser): TestBrowser {
  const thief = new TestBrowser();
  for (const [name, value] of victim.cookies) thief.cookies.set(name, value);
  expect([...thief.cookies.keys()]).toEqual(expect.arrayContaining(["sid", "sid.cache"]));
  return thief;
}

async function loggedIn(username: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  expect((await browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(200);
  return browser;
}

describe("a copied sid + sid.cache pair, with SESSION_CACHE_SECONDS on", { timeout: 30_000 }, () => {
  it("lists no devices, mints no token and revokes nothing once the victim has logged out", async () => {
    const victim = new TestBrowser();
    const { username } = await registerUser(victim);
    const other = await loggedIn(username);
    const thief = copyOf(victim);
    expect((await victim.send(logout, "/api/logout", { method: "POST" })).status).toBe(204);

    await expectError(await copyOf(thief).send(sessions, "/api/sessions"), 401, "unauthenticated");
    await expectError(await copyOf(thief).send(token, "/api/token", { method: "POST" }), 401, "unauthenticated");
    const handle = handleOf(other);
    await expectError(await copyOf(thief).send(revoke, `/api/sessions/${handle}`, { method: "DELETE", params: { id: handle } }), 401, "unauthenticated");
    expect((await other.send(session, "/api/session")).status).toBe(200);
    expect(await (await other.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
  });

  it("cannot revoke the owner's session after the owner revoked it", async () => {
    const owner = new TestBrowser();
    const { username } = await registerUser(owner);
    const stolen = await loggedIn(username);
    const thief = copyOf(stolen);
    const stolenHandle = handleOf(stolen);
    expect((await owner.send(revoke, `/api/sessions/${stolenHandle}`, { method: "DELETE", params: { id: stolenHandle } })).status).toBe(204);

    const ownerHandle = handleOf(owner);
    const response = await thief.send(revoke, `/api/sessions/${ownerHandle}`, { method: "DELETE", params: { id: ownerHandle } });
    await expectError(response, 401, "unauthenticated");
    expect(await (await owner.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
  });

  it("answers the revocation of the current session as a log-out: Clear-Site-Data, and the session cookie and its cached copy cleared", async () => {
    const browser = new TestBrowser();
    await registerUser(browser);
    expect([...browser.cookies.keys()]).toEqual(expect.arrayContaining(["sid", "sid.cache"]));
    const handle = handleOf(browser);
    const response = await browser.send(revoke, `/api/sessions/${handle}`, { method: "DELETE", params: { id: handle } });
    expect(response.status).toBe(204);
    expect(response.headers.get("clear-site-data")).toBe('"cache"');
    expect(setCookieFor(response, "sid")).toMatch(/Max-Age=0/);
    expect(setCookieFor(response, "sid.cache")).toMatch(/Max-Age=0/);
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
  });

  it("may still read as logged in on GET /api/session until the window ends (what the README allows), and nothing more", async () => {
    const victim = new TestBrowser();
    const { username } = await registerUser(victim);
    const thief = copyOf(victim);
    await victim.send(logout, "/api/logout", { method: "POST" });
    expect(await (await copyOf(thief).send(session, "/api/session")).json()).toMatchObject({ authenticated: true, user: { username } });
    await expectError(await copyOf(thief).send(sessions, "/api/sessions"), 401, "unauthenticated");
  });
});
