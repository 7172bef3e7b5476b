import { describe, expect, it } from "vitest";
import account from "../../functions/account.ts";
import login from "../../functions/login.ts";
import password from "../../functions/password.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import session from "../../functions/session.ts";
import token from "../../functions/token.ts";
import { services } from "../../lib/services.ts";
import { holdCalls } from "../support/hold.ts";
import { TestBrowser } from "../support/requests.ts";
import { loggedIn, storedSessions } from "./account-harness.ts";
import { expectError, handleOf, PASSWORD, registerUser, useApi } from "./harness.ts";

// Issue 15, item 5: account changes that race each other leave one consistent account. Each test
// holds one request at a point (holdCalls on the services the functions share) and runs the other
// there, so the interleaving is exact, then counts what is left: sessions, tokens, documents.
const api = useApi();
const NEW_PASSWORD = "a brand new passphrase";

function changePassword(browser: TestBrowser, newPassword = NEW_PASSWORD): Promise<Response> {
  return browser.send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword } });
}

function deleteAccount(browser: TestBrowser): Promise<Response> {
  return browser.send(account, "/api/account", { method: "DELETE" });
}

async function logInStatus(username: string, secret: string): Promise<number> {
  return (await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: secret } })).status;
}

/** Whether the browser's session cookie still names a logged-in session. */
async function authenticated(browser: TestBrowser): Promise<boolean> {
  return ((await (await browser.send(session, "/api/session")).json()) as { authenticated: boolean }).authenticated;
}

/** The status of minting a token from the browser's session (what a stolen session is worth). */
async function mintStatus(browser: TestBrowser): Promise<number> {
  return (await browser.send(token, "/api/token", { method: "POST" })).status;
}

async function sessionAs(authorization: string): Promise<number> {
  return (await new TestBrowser().send(session, "/api/session", { headers: { authorization } })).status;
}

/** What is left of an account in the database: the user, its sessions, its events. */
async function leftOf(id: string, username: string): Promise<{ users: number; sessions: string[]; events: number }> {
  const db = api.mongo.db;
  return {
    users: await db.collection("users").countDocuments({ username }),
    sessions: await storedSessions(api.mongo, id),
    events: await db.collection("events").countDocuments({ userId: id }),
  };
}

describe("a password change racing the account's deletion", { timeout: 120_000 }, () => {
  it("answers 401 and starts no session when the deletion lands after its password check, before its writes", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const phone = await loggedIn(username);
    const app = services();
    const hash = holdCalls(app.users, "setPassword");
    const insert = holdCalls(app.sessions, "regenerate");
    const changing = changePassword(laptop);
    await Promise.all([hash.reached, insert.reached]);
    expect((await deleteAccount(phone)).status).toBe(204);
    hash.release();
    insert.release();
    await expectError(await changing, 401, "invalid_credentials");
    expect(await leftOf(id, username)).toEqual({ users: 0, sessions: [], events: 0 });
    expect(await authenticated(laptop)).toBe(false);
    expect(await mintStatus(laptop)).toBe(401);
  });

  it("answers 401 and leaves no session when the deletion lands after its new password, before its new session", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const phone = await loggedIn(username);
    const app = services();
    const stored = holdCalls(app.users, "setPassword", { at: "after" });
    const insert = holdCalls(app.sessions, "regenerate");
    const changing = changePassword(laptop);
    await Promise.all([stored.reached, insert.reached]);
    expect((await deleteAccount(phone)).status).toBe(204);
    stored.release();
    insert.release();
    await expectError(await changing, 401, "invalid_credentials");
    expect(await leftOf(id, username)).toEqual({ users: 0, sessions: [], events: 0 });
    expect(await authenticated(laptop)).toBe(false);
    expect(await mintStatus(laptop)).toBe(401);
  });
});

describe("two password changes that proved the same password", { timeout: 120_000 }, () => {
  it("let exactly one win: one 200, one 401, one session left, and only the winner's new password logs in", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const phone = await loggedIn(username);
    // Both have proved the old password before either stores its new one.
    const stores = holdCalls(services().users, "setPassword", { calls: 2 });
    const changing = [changePassword(laptop, "the laptop's new passphrase"), changePassword(phone, "the phone's new passphrase")];
    await stores.reached;
    stores.release();
    const statuses = await Promise.all(changing.map(async (response) => (await response).status));
    expect([...statuses].sort()).toEqual([200, 401]);
    const [winner, loser] = statuses[0] === 200 ? [laptop, phone] : [phone, laptop];
    const [won, lost] = statuses[0] === 200 ? ["the laptop's new passphrase", "the phone's new passphrase"] : ["the phone's new passphrase", "the laptop's new passphrase"];
    expect(await storedSessions(api.mongo, id)).toEqual([handleOf(winner)]);
    expect(await authenticated(loser)).toBe(false);
    expect(await api.mongo.db.collection("users").findOne({ username }, { projection: { _id: 0, passwordVersion: 1 } })).toEqual({ passwordVersion: 1 });
    expect(await logInStatus(username, lost)).toBe(401);
    expect(await logInStatus(username, won)).toBe(200);
  });
});

describe("an account deletion under way", { timeout: 120_000 }, () => {
  it("leaves no session or token to a log-in and a token minted with the password before it removed the user", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const removal = holdCalls(services().users, "remove");
    const deleting = deleteAccount(laptop);
    await removal.reached;
    // The log-in and the token's session are stored, and check that the user exists, before the user goes.
    const phone = await loggedIn(username);
    const minted = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } });
    expect(minted.status).toBe(200);
    const authorization = `Bearer ${((await minted.json()) as { token: string }).token}`;
    removal.release();
    expect((await deleting).status).toBe(204);
    expect(await leftOf(id, username)).toMatchObject({ users: 0, sessions: [] });
    expect(await authenticated(phone)).toBe(false);
    expect(await mintStatus(phone)).toBe(401);
    expect(await sessionAs(authorization)).toBe(401);
  });

  it("leaves no working token to a token minted from a session read just before the deletion", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const read = holdCalls(services().sessions, "read", { at: "after" });
    const minting = laptop.send(token, "/api/token", { method: "POST" });
    await read.reached;
    expect((await deleteAccount(laptop)).status).toBe(204);
    read.release();
    const minted = await minting;
    expect(minted.status).toBe(200);
    expect(await sessionAs(`Bearer ${((await minted.json()) as { token: string }).token}`)).toBe(401);
    expect(await leftOf(id, username)).toMatchObject({ users: 0, sessions: [] });
  });

  it("leaves no session to a re-authentication whose password check passed before it", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const phone = await loggedIn(username);
    const mark = holdCalls(services().sessions, "markAuthenticated");
    const confirming = phone.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: PASSWORD } });
    await mark.reached;
    expect((await deleteAccount(laptop)).status).toBe(204);
    mark.release();
    await expectError(await confirming, 401, "unauthenticated");
    expect(await leftOf(id, username)).toMatchObject({ users: 0, sessions: [] });
    expect(await authenticated(phone)).toBe(false);
  });
});
