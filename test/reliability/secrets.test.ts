import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Handler } from "../../lib/http/http.ts";
import cookieDelete from "../../functions/cookie-delete.ts";
import cookies from "../../functions/cookies.ts";
import health from "../../functions/health.ts";
import login from "../../functions/login.ts";
import register from "../../functions/register.ts";
import logout from "../../functions/logout.ts";
import sessionRevoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import stats from "../../functions/stats.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import { unsignValue } from "../../lib/cookies/signing.ts";
import { TestBrowser } from "../support/requests.ts";
import { logInAgain, newUser, PASSWORD, send, settle, useFunctionEnv } from "./support.ts";

const OLD = "old-secret-0123456789abcdef0123456789abcdef";
const NEW = "new-secret-fedcba9876543210fedcba9876543210";

// Touch on every read, so a session that is used re-sends its cookie signed with the current secret.
const api = useFunctionEnv({ SESSION_SECRETS: OLD, SESSION_TOUCH_AFTER_SECONDS: "0" });


afterEach(() => {
  process.env.SESSION_SECRETS = OLD;
  delete process.env.SESSION_CACHE_SECONDS;
});

async function whoAmI(browser: TestBrowser, headers?: Record<string, string>): Promise<{ status: number; body: { authenticated?: boolean; visits?: number } }> {
  const { status, body } = await settle(await send(browser, session, "/api/session", { headers }));
  return { status, body: body as { authenticated?: boolean; visits?: number } };
}

async function tokenFor(browser: TestBrowser): Promise<string> {
  const { status, body } = await settle(await send(browser, token, "/api/token", { method: "POST" }));
  expect(status).toBe(200);
  return (body as { token: string }).token;
}

function signedWith(browser: TestBrowser, secret: string): boolean {
  const raw = browser.cookies.get("sid");
  return raw !== undefined && unsignValue(decodeURIComponent(raw), [secret], { name: "sid", purpose: "session cookie" }) !== undefined;
}

describe.each([
  { cache: "off", seconds: "0" },
  { cache: "on (SESSION_CACHE_SECONDS=300)", seconds: "300" },
])("when secrets rotate, with the session cookie cache $cache", ({ seconds }) => {
  beforeEach(() => {
    process.env.SESSION_CACHE_SECONDS = seconds;
  });

  it("keeps users logged in, tokens valid and counters counted when a new secret is put in front (SESSION_SECRETS=new,old)", { timeout: 15_000 }, async () => {
    const { browser } = await newUser("secrets");
    expect((await settle(await send(browser, visits, "/api/visits", { method: "POST" }))).status).toBe(200);
    const bearer = await tokenFor(browser);

    process.env.SESSION_SECRETS = `${NEW},${OLD}`;
    expect(await whoAmI(browser)).toEqual({ status: 200, body: expect.objectContaining({ authenticated: true, visits: 1 }) });
    expect(signedWith(browser, NEW), "the used session's cookie is re-signed with the new secret").toBe(true);
    expect(await whoAmI(new TestBrowser(), { authorization: `Bearer ${bearer}` })).toMatchObject({ status: 200, body: { authenticated: true } });
  });

  it("logs out exactly the sessions and tokens signed only with a retired secret once it is removed", { timeout: 15_000 }, async () => {
    const { browser: untouched, username } = await newUser("secrets");
    const resent = await logInAgain(username);
    const anonymous = new TestBrowser();
    for (let i = 0; i < 3; i += 1) await send(anonymous, visits, "/api/visits", { method: "POST" });
    const oldToken = await tokenFor(untouched);

    process.env.SESSION_SECRETS = `${NEW},${OLD}`;
    expect(await whoAmI(resent)).toMatchObject({ body: { authenticated: true } });
    expect(signedWith(resent, NEW)).toBe(true);
    const newcomer = await logInAgain(username);
    expect(signedWith(newcomer, NEW)).toBe(true);
    const newToken = await tokenFor(newcomer);

    process.env.SESSION_SECRETS = NEW;
    expect(await whoAmI(untouched)).toEqual({ status: 200, body: { authenticated: false, visits: 0 } });
    expect(untouched.cookies.has("sid"), "the unverifiable cookie is cleared").toBe(false);
    const counted = await settle(await send(anonymous, visits, "/api/visits", { method: "POST" }));
    expect(counted.body, "an anonymous session signed only with the old secret starts over").toEqual({ authenticated: false, visits: 1, firstVisit: true });
    expect(await whoAmI(new TestBrowser(), { authorization: `Bearer ${oldToken}` })).toMatchObject({ status: 401, body: { error: { code: "invalid_token" } } });

    expect(await whoAmI(resent)).toMatchObject({ status: 200, body: { authenticated: true } });
    expect(await whoAmI(newcomer)).toMatchObject({ status: 200, body: { authenticated: true } });
    expect(await whoAmI(new TestBrowser(), { authorization: `Bearer ${newToken}` })).toMatchObject({ status: 200, body: { authenticated: true } });
  });
});

/** Every function with a `config.path`, called with a method it serves. */
const FUNCTIONS: ReadonlyArray<[string, Handler, string, string, Record<string, string>?]> = [
  ["cookie-delete", cookieDelete, "DELETE", "/api/cookies/play.theme", { name: "play.theme" }],
  ["cookies", cookies, "GET", "/api/cookies"],
  ["health", health, "GET", "/api/health"],
  ["login", login, "POST", "/api/login"],
  ["logout", logout, "POST", "/api/logout"],
  ["register", register, "POST", "/api/register"],
  ["session-revoke", sessionRevoke, "DELETE", `/api/sessions/${"a".repeat(64)}`, { id: "a".repeat(64) }],
  ["session", session, "GET", "/api/session"],
  ["sessions", sessions, "GET", "/api/sessions"],
  ["stats", stats, "GET", "/api/stats"],
  ["token", token, "POST", "/api/token"],
  ["visits", visits, "POST", "/api/visits"],
];

// useFunctionEnv clears every variable galleta reads, NODE_ENV and NETLIFY_DEV included: these
// suites run as a deployed function does, with none of NETLIFY_DEV, NODE_ENV or CONTEXT.
describe("in an environment shaped like a deployed function's", () => {
  const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
  afterEach(() => logged.mockClear());

  it("has none of the variables that would mean development", () => {
    expect([process.env.NETLIFY_DEV, process.env.NODE_ENV, process.env.CONTEXT]).toEqual([undefined, undefined, undefined]);
  });

  it.each([
    { variable: "SESSION_SECRETS", value: undefined, why: "missing", says: /SESSION_SECRETS is not set/ },
    { variable: "SESSION_SECRETS", value: "", why: "empty", says: /SESSION_SECRETS is not set/ },
    { variable: "SESSION_SECRETS", value: "too-short-secret", why: "short", says: /at least 32 characters/ },
    { variable: "SESSION_SECRETS", value: `${NEW},too-short-secret`, why: "one of two short", says: /at least 32 characters/ },
    { variable: "MONGODB_URI", value: undefined, why: "missing", says: /MONGODB_URI is not set/ },
    // Issue 17: the tests' low password hash cost. These suites run under vitest, which the
    // configuration lets set it; a deploy runs under no test runner, so VITEST goes too.
    { variable: "TEST_SCRYPT_N", value: "16", why: "set, as only tests may", says: /TEST_SCRYPT_N .*refused in production/, outsideVitest: true },
  ])(
    "refuses to serve anything when $variable is $why: 500 server_misconfigured with a generic message, and the log says what to set",
    { timeout: 15_000 },
    async ({ variable, value, says, outsideVitest }) => {
      const saved = process.env[variable];
      const vitest = process.env.VITEST;
      if (value === undefined) delete process.env[variable];
      else process.env[variable] = value;
      if (outsideVitest === true) delete process.env.VITEST;
      const commandsBefore = api.mongo.standin?.totalCommands();
      try {
        for (const [name, handler, method, path, params] of FUNCTIONS) {
          const browser = new TestBrowser();
          const response = await handler(browser.request(path, { method, body: method === "POST" ? { username: "someone", password: PASSWORD } : undefined }), { ip: "127.0.0.1", params: params ?? {} });
          const text = await response.text();
          expect({ name, status: response.status }).toEqual({ name, status: 500 });
          expect(response.headers.get("content-type")).toMatch(/^application\/json/);
          const body = JSON.parse(text) as { error: { code: string; message: string } };
          expect(body.error.code).toBe("server_misconfigured");
          expect(text, `${name} keeps the configuration to itself`).not.toMatch(/SESSION_SECRETS|MONGODB_URI|32 characters|mongodb:/);
          expect(response.headers.getSetCookie(), `${name} sets no cookie`).toEqual([]);
        }
        const log = logged.mock.calls.map((call) => call.map(String).join(" ")).join("\n");
        expect(log).toMatch(says);
        expect(log).toMatch(/server_misconfigured/);
        if (commandsBefore !== undefined) expect(api.mongo.standin?.totalCommands(), "no database command was sent").toBe(commandsBefore);
      } finally {
        if (saved === undefined) delete process.env[variable];
        else process.env[variable] = saved;
        if (vitest !== undefined) process.env.VITEST = vitest;
      }
      expect((await settle(await send(new TestBrowser(), visits, "/api/visits", { method: "POST" }))).status, "served once it is set, with no restart").toBe(200);
    },
  );
});
