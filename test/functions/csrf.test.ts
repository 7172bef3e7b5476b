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
import authenticationOptions from "../../functions/passkey-authentication-options.ts";
import type { Handler } from "../../lib/http/http.ts";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, uniqueName, useApi } from "./harness.ts";
import { addedPasskey, passkeyLogIn } from "./passkey-harness.ts";
import { stored } from "./stored.ts";

const api = useApi();
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

  it("lets a registration without cookies, Origin or Sec-Fetch-Site through, as a script or curl sends it", async () => {
    const request = new Request("http://localhost:8888/api/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: uniqueName(), password: PASSWORD }),
    });
    expect((await register(request, { ip: "127.0.0.1", params: {} })).status).toBe(201);
  });
});

// Without cookies there is no session to ride on, but a page elsewhere could still spend what the
// site allows its visitor's network (an office, a carrier's NAT): sessions for callers without one,
// log-in and registration attempts. So what says it comes from elsewhere is refused before it counts.
const costly: [string, Handler, string, unknown][] = [
  ["POST /api/visits", visits, "/api/visits", undefined],
  ["POST /api/passkeys/authentication/options", authenticationOptions, "/api/passkeys/authentication/options", undefined],
  ["POST /api/login", login, "/api/login", { username: "someone", password: PASSWORD }],
  ["POST /api/register", register, "/api/register", { username: "newcomer", password: PASSWORD }],
  ["POST /api/token", token, "/api/token", { username: "someone", password: PASSWORD }],
];

const elsewhere: [string, Record<string, string>][] = [
  ["Sec-Fetch-Site: cross-site and a foreign Origin (another site's fetch, no-cors)", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
  ["Sec-Fetch-Site: cross-site alone", { "sec-fetch-site": "cross-site" }],
  ["a foreign Origin alone", { origin: "https://evil.example" }],
  ["Sec-Fetch-Site: same-site from a sibling subdomain", { "sec-fetch-site": "same-site", origin: "http://evil.localhost:8888" }],
  ["Origin: null (a sandboxed frame)", { origin: "null" }],
];

/** A request without cookies, with exactly `headers` as the ones that say where it comes from. */
function cookieless(path: string, body: unknown, headers: Record<string, string>, ip: string): [Request, { ip: string; params: Record<string, string> }] {
  const init: RequestInit = { method: "POST", headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) } };
  if (body !== undefined) init.body = JSON.stringify(body);
  return [new Request(new URL(path, "http://localhost:8888"), init), { ip, params: {} }];
}

describe("cross-site requests without cookies", { timeout: 120_000 }, () => {
  const cases = costly.flatMap(([name, handler, path, body]) => elsewhere.map(([why, headers]) => [name, why, handler, path, body, headers] as const));

  it.each(cases)("refuses %s with %s before it writes or counts anything: 403 forbidden_origin", async (_name, _why, handler, path, body, headers) => {
    const before = await stored(api.mongo.db);
    const response = await handler(...cookieless(path, body, headers, "192.0.2.50"));
    expect(response.headers.getSetCookie()).toEqual([]);
    await expectError(response, 403, "forbidden_origin");
    expect(await stored(api.mongo.db)).toEqual(before);
  });

  it.each(costly)("lets %s through from a script that sends neither header, and from the site's own pages", async (_name, handler, path, body) => {
    const senders: Record<string, string>[] = [{}, { "sec-fetch-site": "same-origin", origin: "http://localhost:8888" }];
    for (const headers of senders) {
      const response = await handler(...cookieless(path, body, headers, `192.0.2.${60 + costly.findIndex(([, other]) => other === handler)}`));
      expect(response.status).not.toBe(403);
    }
  });

  it("lets a first-time visitor sign in with a passkey on a network another site's page tried to exhaust with 300 requests", async () => {
    const owner = new TestBrowser();
    await registerUser(owner);
    const authenticator = new SoftAuthenticator();
    await addedPasskey(owner, authenticator);
    const office = "192.0.2.99";
    const before = await stored(api.mongo.db);
    const forged = await Promise.all(
      Array.from({ length: 300 }, (_, index) => {
        const [handler, path] = index % 2 === 0 ? [visits, "/api/visits"] : [authenticationOptions, "/api/passkeys/authentication/options"];
        return handler(...cookieless(path, undefined, { "sec-fetch-site": "cross-site", origin: "https://evil.example" }, office));
      }),
    );
    expect(forged.map((response) => response.status)).toEqual(Array<number>(300).fill(403));
    expect(await stored(api.mongo.db)).toEqual(before);
    const visitor = new TestBrowser();
    visitor.ip = office;
    const signedIn = await passkeyLogIn(visitor, authenticator);
    expect(signedIn.status).toBe(200);
    expect(await signedIn.json()).toMatchObject({ authenticated: true });
  });
});
