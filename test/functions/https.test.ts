import { describe, expect, it } from "vitest";
import cookies from "../../functions/cookies.ts";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { PASSWORD, registerUser, setCookieFor, useApi } from "./harness.ts";

useApi();

/** A browser on the HTTPS site behind Netlify's proxy: the function sees http:// and x-forwarded-proto. */
function httpsBrowser(): TestBrowser & { post(handler: Parameters<TestBrowser["send"]>[0], path: string, body?: unknown): Promise<Response> } {
  const browser = new TestBrowser();
  const headers = { "x-forwarded-proto": "https", origin: "https://localhost:8888" };
  return Object.assign(browser, {
    post: (handler: Parameters<TestBrowser["send"]>[0], path: string, body?: unknown) =>
      browser.send(handler, path, { method: "POST", headers, ...(body === undefined ? {} : { body }) }),
  });
}

describe("cookies over HTTPS", { timeout: 20_000 }, () => {
  // Issue 15: __Host-Http- tells the browser that only an HTTP response may set the cookie, so script
  // on the page cannot plant or overwrite it; the prefix demands HttpOnly, Secure, Path=/ and no Domain.
  it("names the session cookie __Host-Http-sid and makes it HttpOnly, Secure, Path=/ and host-only", async () => {
    const browser = httpsBrowser();
    const response = await browser.post(visits, "/api/visits");
    const line = setCookieFor(response, "__Host-Http-sid") as string;
    expect(line).toBeDefined();
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; Path=\/(;|$)/);
    expect(line).not.toMatch(/Domain=/i);
    expect(setCookieFor(response, "sid")).toBeUndefined();
    expect(setCookieFor(response, "__Host-sid")).toBeUndefined();
  });

  it("logs in, reads and logs out with __Host-Http-sid, and names the device cookie __Host-Http-device", async () => {
    const { username } = await registerUser(new TestBrowser());
    const browser = httpsBrowser();
    const loggedIn = await browser.post(login, "/api/login", { username, password: PASSWORD });
    expect(setCookieFor(loggedIn, "__Host-Http-sid")).toMatch(/; HttpOnly; Secure/);
    expect(setCookieFor(loggedIn, "__Host-Http-device")).toMatch(/; Path=\/; HttpOnly; Secure/);
    expect([...browser.cookies.keys()].sort()).toEqual(["__Host-Http-device", "__Host-Http-sid"]);
    const read = await browser.send(session, "/api/session", { headers: { "x-forwarded-proto": "https" } });
    expect(await read.json()).toMatchObject({ authenticated: true });
    const out = await browser.post(logout, "/api/logout");
    expect(out.status).toBe(204);
    expect(setCookieFor(out, "__Host-Http-sid")).toMatch(/^__Host-Http-sid=; .*Max-Age=0.*HttpOnly; Secure/);
  });

  it("makes playground cookies Secure too", async () => {
    const response = await httpsBrowser().post(cookies, "/api/cookies", { name: "play.theme", value: "dark" });
    expect(setCookieFor(response, "play.theme")).toMatch(/; Secure/);
  });

  it("refuses the http origin for a cookie-carrying request to the https site", async () => {
    const browser = httpsBrowser();
    await browser.post(visits, "/api/visits");
    const response = await browser.send(visits, "/api/visits", {
      method: "POST",
      headers: { "x-forwarded-proto": "https", origin: "http://localhost:8888" },
    });
    expect(response.status).toBe(403);
  });

  it("never makes cookies Secure over plain HTTP", async () => {
    const response = await new TestBrowser().send(visits, "/api/visits", { method: "POST" });
    expect(setCookieFor(response, "sid")).not.toMatch(/Secure/);
  });
});
