import { beforeAll, describe, expect, it } from "vitest";
import cookieDelete from "../../functions/cookie-delete.ts";
import cookies from "../../functions/cookies.ts";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import register from "../../functions/register.ts";
import revoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import type { Handler } from "../../lib/http/http.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, uniqueName, useApi } from "./harness.ts";

useApi();
let username: string;
/** A logged-in browser that cross-site requests try to ride on. */
let victim: TestBrowser;

beforeAll(async () => {
  victim = new TestBrowser();
  ({ username } = await registerUser(victim));
  await victim.send(visits, "/api/visits", { method: "POST" });
});

const zeros = "0".repeat(64);
const endpoints: [string, Handler, string, string, unknown, Record<string, string>][] = [
  ["POST /api/logout", logout, "POST", "/api/logout", undefined, {}],
  ["POST /api/visits", visits, "POST", "/api/visits", undefined, {}],
  ["DELETE /api/sessions/:id", revoke, "DELETE", `/api/sessions/${zeros}`, undefined, { id: zeros }],
  ["POST /api/token", token, "POST", "/api/token", undefined, {}],
  ["POST /api/cookies", cookies, "POST", "/api/cookies", { name: "play.theme", value: "evil" }, {}],
  ["DELETE /api/cookies/:name", cookieDelete, "DELETE", "/api/cookies/play.theme", undefined, { name: "play.theme" }],
  ["POST /api/login", login, "POST", "/api/login", { username: "attacker", password: "attacker-password" }, {}],
  ["POST /api/register", register, "POST", "/api/register", { username: "attacker", password: "attacker-password" }, {}],
];

const refused: [string, Record<string, string>][] = [
  ["a foreign Origin", { origin: "https://evil.example" }],
  ["no Origin and no Sec-Fetch-Site", { origin: "" }],
  ["Origin: null", { origin: "null" }],
  ["a sibling site's Origin with Sec-Fetch-Site: same-site", { origin: "http://evil.localhost:8888", "sec-fetch-site": "same-site" }],
  ["Sec-Fetch-Site: cross-site and no Origin", { origin: "", "sec-fetch-site": "cross-site" }],
  ["the site's Origin on another port", { origin: "http://localhost:9999" }],
  ["an Authorization header that is not Bearer", { origin: "https://evil.example", authorization: "Basic eDp5" }],
];

const cases = endpoints.flatMap(([name, handler, method, path, body, params]) =>
  refused.map(([why, headers]) => [name, why, handler, method, path, body, params, headers] as const),
);

/** Sends the victim's cookies with the given headers; an empty `origin` means none at all. */
function forged(handler: Handler, method: string, path: string, body: unknown, params: Record<string, string>, headers: Record<string, string>) {
  const request = victim.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
  if (headers.origin === "") request.headers.delete("origin");
  return handler(request, { ip: "127.0.0.1", params });
}

describe("CSRF defence for cookie-authenticated state changes", { timeout: 20_000 }, () => {
  it.each(cases)("refuses %s with %s: 403 forbidden_origin and no cookie", async (_name, _why, handler, method, path, body, params, headers) => {
    const response = await forged(handler, method, path, body, params, headers);
    expect(response.headers.getSetCookie()).toEqual([]);
    await expectError(response, 403, "forbidden_origin");
  });

  it("leaves the victim's session and visits as they were after every refused request", async () => {
    for (const [, , handler, method, path, body, params, headers] of cases) await forged(handler, method, path, body, params, headers);
    const body = await (await victim.send(session, "/api/session")).json();
    expect(body).toMatchObject({ authenticated: true, user: { username }, visits: 1 });
  });

  it("accepts a cookie-carrying POST with Sec-Fetch-Site: same-origin and no Origin", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    const request = browser.request("/api/visits", { method: "POST", headers: { "sec-fetch-site": "same-origin" } });
    request.headers.delete("origin");
    const response = await visits(request, { ip: "127.0.0.1", params: {} });
    expect(await response.json()).toEqual({ authenticated: false, visits: 2, firstVisit: false });
  });

  it("accepts a cookie-carrying POST with the site's own Origin", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    expect(await (await browser.send(visits, "/api/visits", { method: "POST" })).json()).toEqual({ authenticated: false, visits: 2, firstVisit: false });
  });

  it.each(endpoints.filter(([name]) => /cookies|login/.test(name)))(
    "refuses %s with a foreign Origin even with Authorization: Bearer, as that route verifies no token",
    async (_name, handler, method, path, body, params) => {
      const response = await forged(handler, method, path, body, params, { origin: "https://evil.example", authorization: "Bearer x.y.z" });
      await expectError(response, 403, "forbidden_origin");
    },
  );

  it("accepts a bearer-authenticated POST without Origin", async () => {
    const issued = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } });
    const { token: accessToken } = (await issued.json()) as { token: string };
    const request = new Request("http://localhost:8888/api/visits", { method: "POST", headers: { authorization: `Bearer ${accessToken}` } });
    expect((await visits(request, { ip: "127.0.0.1", params: {} })).status).toBe(200);
  });

  it("lets a first login without cookies through from anywhere, as there is no session to ride on", async () => {
    const request = new Request("http://localhost:8888/api/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: uniqueName(), password: PASSWORD }),
    });
    expect((await register(request, { ip: "127.0.0.1", params: {} })).status).toBe(201);
  });
});
