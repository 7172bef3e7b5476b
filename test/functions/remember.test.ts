import { describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import register from "../../functions/register.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, setCookieFor, uniqueName, useApi } from "./harness.ts";

useApi();
const HOUR = 3_600_000;

interface SessionView {
  session: { createdAt: string; absoluteExpiresAt: string; authenticatedAt: string | null; remember: boolean };
}

async function logIn(browser: TestBrowser, username: string, body: Record<string, unknown>): Promise<Response> {
  return browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD, ...body } });
}

describe("remember me on POST /api/login and /api/register", { timeout: 30_000 }, () => {
  it.each([
    ["log-in", async (browser: TestBrowser) => logIn(browser, (await registerUser(new TestBrowser())).username, { remember: false })],
    ["register", async (browser: TestBrowser) => browser.send(register, "/api/register", { method: "POST", body: { username: uniqueName(), password: PASSWORD, remember: false } })],
  ])("with remember: false (%s), sends a cookie without Max-Age or Expires and caps the session at 12 hours", async (_case, start) => {
    const browser = new TestBrowser();
    const response = await start(browser);
    expect(response.status).toBeLessThan(300);
    const cookie = setCookieFor(response, "sid") ?? "";
    expect(cookie).toMatch(/^sid=s:/);
    expect(cookie).not.toMatch(/max-age|expires/i);
    const { session: view } = (await response.json()) as SessionView;
    expect(view.remember).toBe(false);
    expect(Date.parse(view.absoluteExpiresAt) - Date.parse(view.createdAt)).toBe(12 * HOUR);
    expect(Date.parse(view.authenticatedAt ?? "")).toBe(Date.parse(view.createdAt));
  });

  it("remembers by default: Max-Age on the cookie, the 7-day cap", async () => {
    const { username } = await registerUser(new TestBrowser());
    const response = await logIn(new TestBrowser(), username, {});
    expect(setCookieFor(response, "sid")).toMatch(/Max-Age=\d+/);
    const { session: view } = (await response.json()) as SessionView;
    expect(view.remember).toBe(true);
    expect(Date.parse(view.absoluteExpiresAt) - Date.parse(view.createdAt)).toBe(7 * 24 * HOUR);
  });

  it("keeps the cookie a browser-session cookie when the session is used and its expiry moves", async () => {
    const { username } = await registerUser(new TestBrowser());
    const browser = new TestBrowser();
    await logIn(browser, username, { remember: false });
    const counted = await browser.send(visits, "/api/visits", { method: "POST" });
    expect(counted.status).toBe(200);
    for (const line of counted.headers.getSetCookie().filter((each) => each.startsWith("sid="))) expect(line).not.toMatch(/max-age|expires/i);
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: true, session: { remember: false } });
  });

  it.each([["a string", "no"], ["a number", 0], ["null", null]])("answers 400 invalid_input naming remember for %s", async (_case, remember) => {
    const { username } = await registerUser(new TestBrowser());
    const body = await expectError(await logIn(new TestBrowser(), username, { remember }), 400, "invalid_input");
    expect(body.error.field).toBe("remember");
  });
});
