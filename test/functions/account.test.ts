import { describe, expect, it } from "vitest";
import account from "../../functions/account.ts";
import activity from "../../functions/activity.ts";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import register from "../../functions/register.ts";
import session from "../../functions/session.ts";
import token from "../../functions/token.ts";
import { TestBrowser } from "../support/requests.ts";
import { ageAuthentication, loggedIn, storedSessions } from "./account-harness.ts";
import { expectError, PASSWORD, registerUser, setCookieFor, useApi } from "./harness.ts";

const api = useApi();

function deleteAccount(browser: TestBrowser): Promise<Response> {
  return browser.send(account, "/api/account", { method: "DELETE" });
}

describe("DELETE /api/account", { timeout: 30_000 }, () => {
  it("deletes the user, every session and token, the throttle counter and the events; clears the cookie; 204 with Clear-Site-Data", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    const phone = await loggedIn(username);
    const minted = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } });
    const authorization = `Bearer ${((await minted.json()) as { token: string }).token}`;
    await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: "a wrong password" }, ip: "198.51.100.5" });
    const response = await deleteAccount(laptop);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(response.headers.get("clear-site-data")).toBe('"cache"');
    expect(setCookieFor(response, "sid")).toMatch(/^sid=; .*Max-Age=0/);
    expect(setCookieFor(response, "device"), "the device cookie names the deleted account").toMatch(/^device=; .*Max-Age=0/);
    const db = api.mongo.db;
    expect(await db.collection("users").countDocuments({ username })).toBe(0);
    expect(await storedSessions(api.mongo, id)).toEqual([]);
    expect(await db.collection("events").countDocuments({ $or: [{ userId: id }, { username }] })).toBe(0);
    expect(await db.collection<{ _id: string }>("login_attempts").countDocuments({ _id: `user:${username}` })).toBe(0);
    expect(await (await phone.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
    await expectError(await new TestBrowser().send(session, "/api/session", { headers: { authorization } }), 401, "invalid_token");
    await expectError(await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } }), 401, "invalid_credentials");
  });

  it("frees the username, and a new account under it starts with an empty activity log", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    await deleteAccount(laptop);
    // Failures against the free name count against no account, and not against the next one.
    await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: "a wrong password" }, ip: "198.51.100.6" });
    const again = new TestBrowser();
    expect((await again.send(register, "/api/register", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(201);
    const { events } = (await (await again.send(activity, "/api/activity")).json()) as { events: { type: string }[] };
    expect(events.map((event) => event.type)).toEqual(["registered"]);
  });

  it("needs a recent log-in: 403 reauthentication_required, and the account stays", async () => {
    const { username, id } = await registerUser(new TestBrowser());
    const laptop = await loggedIn(username);
    await ageAuthentication(api.mongo, laptop, 11);
    await expectError(await deleteAccount(laptop), 403, "reauthentication_required");
    expect((await storedSessions(api.mongo, id)).length).toBe(2);
  });

  it("answers 401 unauthenticated without a session", async () => {
    await expectError(await deleteAccount(new TestBrowser()), 401, "unauthenticated");
  });

  it("refuses a cross-site request", async () => {
    const laptop = new TestBrowser();
    await registerUser(laptop);
    await expectError(await laptop.send(account, "/api/account", { method: "DELETE", headers: { origin: "https://evil.example" } }), 403, "forbidden_origin");
  });
});

describe("POST /api/logout headers", () => {
  it('sends Clear-Site-Data: "cache", never "storage" or "cookies"', async () => {
    const laptop = new TestBrowser();
    await registerUser(laptop);
    const response = await laptop.send(logout, "/api/logout", { method: "POST" });
    expect(response.headers.get("clear-site-data")).toBe('"cache"');
  });
});
