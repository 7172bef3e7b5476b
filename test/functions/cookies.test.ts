import { describe, expect, it } from "vitest";
import cookieDelete from "../../functions/cookie-delete.ts";
import cookies from "../../functions/cookies.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, registerUser, sessionIdOf, setCookieFor, useApi } from "./harness.ts";

useApi();

function setCookie(browser: TestBrowser, body: unknown, headers?: Record<string, string>): Promise<Response> {
  return browser.send(cookies, "/api/cookies", { method: "POST", body, ...(headers === undefined ? {} : { headers }) });
}

async function listing(browser: TestBrowser) {
  const response = await browser.send(cookies, "/api/cookies");
  expect(response.status).toBe(200);
  return (await response.json()) as { cookies: Record<string, string>; signedCookies: Record<string, string>; invalidSignedCookies: string[] };
}

describe("GET /api/cookies", () => {
  it("lists plain cookies, verified signed cookies and the names of tampered ones", async () => {
    const browser = new TestBrowser();
    await setCookie(browser, { name: "play.theme", value: "dark" });
    await setCookie(browser, { name: "play.cart", value: "3 items", signed: true });
    await setCookie(browser, { name: "play.role", value: "user", signed: true });
    const raw = decodeURIComponent(browser.cookies.get("play.role") as string);
    browser.cookies.set("play.role", encodeURIComponent(raw.replace("s:user.", "s:admin.")));
    expect(await listing(browser)).toEqual({
      cookies: { "play.theme": "dark" },
      signedCookies: { "play.cart": "3 items" },
      invalidSignedCookies: ["play.role"],
    });
  });

  it("answers an empty listing to a browser without cookies", async () => {
    expect(await listing(new TestBrowser())).toEqual({ cookies: {}, signedCookies: {}, invalidSignedCookies: [] });
  });

  it("leaves the session cookie out of the listing", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    expect(browser.cookies.has("sid")).toBe(true);
    expect(await listing(browser)).toEqual({ cookies: {}, signedCookies: {}, invalidSignedCookies: [] });
  });

  it("lists only its own play.… cookies: none of galleta's, nor another app's HttpOnly cookies from the parent domain, reach the page", async () => {
    const own = ["sid", "sid.cache", "device", "__Host-sid", "__Host-sid.cache", "__Host-device", "__Host-Http-sid", "__Host-Http-sid.cache", "__Host-Http-device"];
    // What a browser sends a site on app.example.com: its own cookies and those of example.com.
    const foreign = { "other_app_session": "s:secret-session-of-another-app.sig", SSO_TOKEN: "eyJhbGciOi.secret", "player.theme": "x", "play": "x", "Play.theme": "x" };
    const browser = new TestBrowser();
    for (const name of own) browser.cookies.set(name, "s:x.y");
    for (const [name, value] of Object.entries(foreign)) browser.cookies.set(name, value);
    await setCookie(browser, { name: "play.theme", value: "dark" });
    const listed = await listing(browser);
    const names = [...Object.keys(listed.cookies), ...Object.keys(listed.signedCookies), ...listed.invalidSignedCookies];
    expect(names.filter((name) => name !== "play.theme")).toEqual([]);
    expect(listed).toEqual({ cookies: { "play.theme": "dark" }, signedCookies: {}, invalidSignedCookies: [] });
  });

  it("reports a signed cookie whose signature was cut short as tampered", async () => {
    const browser = new TestBrowser();
    await setCookie(browser, { name: "play.cart", value: "3", signed: true });
    browser.cookies.set("play.cart", (browser.cookies.get("play.cart") as string).slice(0, -5));
    expect(await listing(browser)).toMatchObject({ signedCookies: {}, invalidSignedCookies: ["play.cart"] });
  });

  it("survives a hostile Cookie header", async () => {
    const request = new Request("http://localhost:8888/api/cookies", { headers: { cookie: "=; ;;__proto__=x; play.__proto__=y; play.a=%E0%A4%A; b" } });
    const response = await cookies(request, { ip: "127.0.0.1", params: {} });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.cookies["play.a"]).toBe("%E0%A4%A");
    expect(body.cookies["play.__proto__"]).toBe("y");
  });
});

describe("POST /api/cookies", () => {
  it("sets a plain cookie, HttpOnly by default, with the safe defaults", async () => {
    const response = await setCookie(new TestBrowser(), { name: "play.theme", value: "dark" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ cookie: { name: "play.theme", signed: false, httpOnly: true, maxAge: null } });
    const line = setCookieFor(response, "play.theme") as string;
    expect(line).toMatch(/^play\.theme=dark;/);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toMatch(/Secure|Max-Age|Expires/);
  });

  it("leaves HttpOnly off when asked", async () => {
    const response = await setCookie(new TestBrowser(), { name: "play.theme", value: "dark", httpOnly: false });
    expect(setCookieFor(response, "play.theme")).not.toMatch(/HttpOnly/);
  });

  it.each([
    [90_000, 90],
    [1_500, 1],
    [0, 0],
    [400 * 24 * 60 * 60 * 1000, 400 * 24 * 60 * 60],
  ])("turns maxAge %i ms into Max-Age=%i seconds", async (maxAge, seconds) => {
    const response = await setCookie(new TestBrowser(), { name: "play.timed", value: "v", maxAge });
    expect(setCookieFor(response, "play.timed")).toMatch(new RegExp(`; Max-Age=${seconds}(;|$)`));
  });

  it("signs a cookie as s:<value>.<signature> when asked", async () => {
    const browser = new TestBrowser();
    const response = await setCookie(browser, { name: "play.cart", value: "3", signed: true });
    expect(decodeURIComponent(browser.cookies.get("play.cart") as string)).toMatch(/^s:3\.[A-Za-z0-9+/]+$/);
    expect(await response.json()).toMatchObject({ cookie: { signed: true } });
  });

  it("round-trips a value with spaces, semicolons and non-ASCII characters", async () => {
    const browser = new TestBrowser();
    await setCookie(browser, { name: "play.note", value: "crème brûlée; 2 € \r\n" });
    expect(await listing(browser)).toMatchObject({ cookies: { "play.note": "crème brûlée; 2 € \r\n" } });
    expect(browser.cookies.get("play.note")).not.toMatch(/[;\s]/);
  });

  it.each([
    ["a name outside the playground's play. namespace", { name: "theme", value: "x" }, "name"],
    ["the namespace alone", { name: "play.", value: "x" }, "name"],
    ["the namespace in another case", { name: "Play.theme", value: "x" }, "name"],
    ["the session cookie's name", { name: "sid", value: "x" }, "name"],
    ["the HTTPS session cookie's name", { name: "__Host-sid", value: "x" }, "name"],
    ["a __Host- prefixed name, which browsers keep only under rules the playground does not follow", { name: "__Host-theme", value: "x" }, "name"],
    ["a __Secure- prefixed name, in any case", { name: "__secure-theme", value: "x" }, "name"],
    ["the HTTPS session cookie's name since issue 15", { name: "__Host-Http-sid", value: "x" }, "name"],
    ["a __Host-Http- prefixed name, which only an HTTP response with HttpOnly and Secure may set", { name: "__Host-Http-theme", value: "x" }, "name"],
    ["a __Http- prefixed name, which only an HTTP response with HttpOnly and Secure may set", { name: "__Http-theme", value: "x" }, "name"],
    ["a __Http- prefixed name in another case, as browsers match prefixes case-insensitively", { name: "__hTTP-theme", value: "x" }, "name"],
    ["a name with a semicolon", { name: "play.a;b", value: "x" }, "name"],
    ["a name with a space", { name: "play.a b", value: "x" }, "name"],
    ["an empty name", { name: "", value: "x" }, "name"],
    ["a name of 65 characters after the namespace", { name: `play.${"n".repeat(65)}`, value: "x" }, "name"],
    ["no value", { name: "play.theme" }, "value"],
    ["a value of 1025 characters", { name: "play.theme", value: "v".repeat(1025) }, "value"],
    ["a negative maxAge", { name: "play.theme", value: "v", maxAge: -1 }, "maxAge"],
    ["a fractional maxAge", { name: "play.theme", value: "v", maxAge: 1.5 }, "maxAge"],
    ["a maxAge beyond 400 days", { name: "play.theme", value: "v", maxAge: 400 * 24 * 60 * 60 * 1000 + 1 }, "maxAge"],
    ["a maxAge as a string", { name: "play.theme", value: "v", maxAge: "60000" }, "maxAge"],
    ["signed as a string", { name: "play.theme", value: "v", signed: "yes" }, "signed"],
    ["httpOnly as a number", { name: "play.theme", value: "v", httpOnly: 0 }, "httpOnly"],
  ])("refuses %s with 400 invalid_input naming the field, setting nothing", async (_case, body, field) => {
    const response = await setCookie(new TestBrowser(), body);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await expectError(response, 400, "invalid_input")).error.field).toBe(field);
  });

  it("refuses a cross-site request that carries cookies with 403 forbidden_origin", async () => {
    const browser = new TestBrowser();
    await setCookie(browser, { name: "play.theme", value: "dark" });
    const response = await setCookie(browser, { name: "play.theme", value: "evil" }, { origin: "https://evil.example" });
    expect(response.headers.getSetCookie()).toEqual([]);
    await expectError(response, 403, "forbidden_origin");
  });
});

describe("DELETE /api/cookies/:name", () => {
  it("clears the cookie: empty, Max-Age=0, same path", async () => {
    const browser = new TestBrowser();
    await setCookie(browser, { name: "play.theme", value: "dark" });
    const response = await browser.send(cookieDelete, "/api/cookies/play.theme", { method: "DELETE", params: { name: "play.theme" } });
    expect(response.status).toBe(204);
    const line = setCookieFor(response, "play.theme") as string;
    expect(line).toMatch(/^play\.theme=;/);
    expect(line).toMatch(/; Max-Age=0(;|$)/);
    expect(line).toMatch(/; Path=\//);
    expect(browser.cookies.has("play.theme")).toBe(false);
  });

  it.each([["sid"], ["__Host-sid"], ["__Host-Http-sid"], ["__Host-Http-device"], ["__Http-theme"], ["a;b"], ["other_app_session"], ["play."]])("refuses to clear %s with 400 invalid_input", async (name) => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const response = await browser.send(cookieDelete, `/api/cookies/${encodeURIComponent(name)}`, { method: "DELETE", params: { name } });
    expect(response.headers.getSetCookie()).toEqual([]);
    await expectError(response, 400, "invalid_input");
  });
});

describe("the playground is no signing oracle", { timeout: 20_000 }, () => {
  it("signs nothing the session layer accepts: a session id signed by the playground is no session cookie", async () => {
    const victim = new TestBrowser();
    await registerUser(victim);
    const id = sessionIdOf(victim);
    const visitor = new TestBrowser();
    expect((await setCookie(visitor, { name: "play.probe", value: id, signed: true })).status).toBe(200);
    const signedByPlayground = visitor.cookies.get("play.probe");
    expect(signedByPlayground).toBeDefined();
    expect(signedByPlayground).not.toBe(victim.cookies.get("sid"));

    const forger = new TestBrowser();
    forger.cookies.set("sid", signedByPlayground ?? "");
    const response = await forger.send(session, "/api/session");
    expect(await response.json()).toMatchObject({ authenticated: false });
    expect(setCookieFor(response, "sid")).toMatch(/Max-Age=0/);
  });

  it("verifies a playground cookie only under the name it was signed for", async () => {
    const browser = new TestBrowser();
    await setCookie(browser, { name: "play.plan", value: "free", signed: true });
    browser.cookies.set("play.role", browser.cookies.get("play.plan") ?? "");
    expect(await listing(browser)).toMatchObject({ signedCookies: { "play.plan": "free" }, invalidSignedCookies: ["play.role"] });
  });
});
