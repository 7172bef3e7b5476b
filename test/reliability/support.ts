import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { expect } from "vitest";
import login from "../../functions/login.ts";
import register from "../../functions/register.ts";
import type { Handler } from "../../lib/http/http.ts";
import { sessionKey } from "../../lib/sessions/session-id.ts";
import { unsignValue } from "../../lib/cookies/signing.ts";
import { startMongoStandin } from "../../netlify/mongo-standin/server.ts";
import { LIVE, startTestMongo, type TestMongo } from "../support/mongo.ts";
import { TestBrowser } from "../support/requests.ts";
import { useFunctionEnv as useTestFunctionEnv } from "../support/function-env.ts";

/** The secret the functions sign with in these suites (40 characters, so production rules pass too). */
export const SECRET = "reliability-test-secret-0123456789abcdef";
/** The password every user these suites register has. */
export const PASSWORD = "reliability tests password";

let serial = 0;

/** Registers a new user whose name starts with `prefix`; returns the logged-in browser and the name. */
export async function newUser(prefix: string): Promise<{ browser: TestBrowser; username: string }> {
  serial += 1;
  const username = `${prefix}${serial}_${Math.random().toString(36).slice(2, 8)}`;
  const browser = new TestBrowser();
  expect((await send(browser, register, "/api/register", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(201);
  return { browser, username };
}

/** Logs a second browser in as `username`. */
export async function logInAgain(username: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  expect((await send(browser, login, "/api/login", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(200);
  return browser;
}

/** Every error code issue #4 documents, with its status: the only ones a client may ever see. */
export const DOCUMENTED_ERRORS: Readonly<Record<string, number>> = Object.freeze({
  invalid_input: 400,
  invalid_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_token: 401,
  forbidden_origin: 403,
  not_found: 404,
  method_not_allowed: 405,
  username_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  store_unavailable: 503,
  // Passkeys (issue 16).
  passkey_invalid: 401,
  challenge_expired: 401,
  cookie_session_required: 403,
  passkey_not_found: 404,
  passkey_taken: 409,
});

/**
 * Points the functions at a fresh test database for one file, signing with SECRET, with `env` on
 * top. `mongo` is there once `beforeAll` has run.
 */
export function useFunctionEnv(env: Record<string, string> = {}, start: () => Promise<TestMongo> = startTestMongo): { readonly mongo: TestMongo } {
  // Every client here is 127.0.0.1, one network, and these suites start sessions by the thousand
  // without cookies: the per-network limit on them (test/functions/visits.test.ts) and the site-wide
  // ceiling (test/functions/site-ceiling.test.ts) are not their subject.
  return useTestFunctionEnv({ SESSION_SECRETS: SECRET, ANONYMOUS_SESSIONS_PER_NETWORK: "100000", SITE_LIMIT_ANONYMOUS_SESSIONS: "100000", ...env }, start);
}

/**
 * Like startTestMongo, but the stand-in's TTL monitor reads `Date.now()` when it runs, so a fake
 * clock (`vi.setSystemTime`) drives it as it drives the functions. Live mode: startTestMongo.
 */
export async function startClockedMongo(): Promise<TestMongo> {
  if (LIVE) return startTestMongo();
  const standin = await startMongoStandin({ port: 0, now: () => Date.now() });
  const client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 3000 });
  const dbName = `galleta_test_${randomBytes(6).toString("hex")}`;
  return {
    uri: standin.uri,
    dbName,
    standin,
    client,
    db: client.db(dbName),
    async stop() {
      await client.close();
      await standin.close();
    },
  };
}

/** The API's error body. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/**
 * Asserts a non-2xx response is the documented JSON error: `{ error: { code, message } }` with a
 * documented code, the status that code has, its required header, and no stack trace or driver text.
 */
export function expectDocumentedError(status: number, headers: Headers, text: string, context = ""): ErrorBody {
  const where = `${context} → ${status} ${text.slice(0, 300)}`;
  expect(headers.get("content-type"), where).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  expect(Object.keys(body), where).toEqual(["error"]);
  const code = body.error?.code;
  expect(Object.keys(DOCUMENTED_ERRORS), where).toContain(code);
  expect(status, where).toBe(DOCUMENTED_ERRORS[code]);
  expect(body.error.message, where).toMatch(/\w+/);
  expect(text, where).not.toMatch(/\n\s+at |\.ts:\d+|node:internal|Mongo[A-Z]\w*Error|E11000|ECONNREFUSED/);
  if (code === "method_not_allowed") expect(headers.get("allow"), where).toMatch(/^[A-Z, ]+$/);
  if (code === "too_many_attempts" || code === "store_unavailable") expect(headers.get("retry-after"), where).toMatch(/^\d+$/);
  if (code === "invalid_token") expect(headers.get("www-authenticate"), where).toBe('Bearer error="invalid_token"');
  return body;
}

/** Reads a response and, if it is not 2xx, asserts it is a documented error; returns status and parsed body. */
export async function settle(response: Response, context = ""): Promise<{ status: number; body: unknown; headers: Headers }> {
  const text = await response.text();
  if (response.status >= 200 && response.status < 300) {
    return { status: response.status, body: text === "" ? null : (JSON.parse(text) as unknown), headers: response.headers };
  }
  return { status: response.status, body: expectDocumentedError(response.status, response.headers, text, context), headers: response.headers };
}

/**
 * A browser over real HTTP against a function server: keeps cookies like TestBrowser and sends the
 * server's own origin on state changes, as a page served from it would.
 */
export class HttpBrowser {
  readonly jar = new TestBrowser();
  readonly #base: string;

  constructor(base: string) {
    this.#base = base;
  }

  async fetch(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Response> {
    const method = init.method ?? "GET";
    const headers = new Headers(init.headers);
    if (this.jar.cookies.size > 0 && !headers.has("cookie")) headers.set("cookie", this.jar.cookieHeader());
    if (method !== "GET" && method !== "HEAD") headers.set("origin", this.#base);
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers.set("content-type", "application/json");
    }
    const response = await fetch(this.#base + path, { method, headers, body, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
    return this.jar.remember(response);
  }
}

/** Resolves once `condition()` holds, checking on every `tick()`; rejects after `ms` with `what`. */
export function waitFor(condition: () => boolean, ms: number, what: string): { promise: Promise<void>; tick(): void } {
  let settled = false;
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  const timer = setTimeout(() => {
    settled = true;
    reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
  }, ms);
  const tick = () => {
    if (!settled && condition()) {
      settled = true;
      clearTimeout(timer);
      resolve();
    }
  };
  tick();
  return { promise, tick };
}

/** The public handle (the document's `_id`) of the session whose signed cookie `browser` holds. */
export function sessionKeyOf(browser: TestBrowser, secrets: readonly string[] = [SECRET]): string {
  const raw = browser.cookies.get("sid");
  const id = raw === undefined ? undefined : unsignValue(decodeURIComponent(raw), secrets, { name: "sid", purpose: "session cookie" });
  if (id === undefined) throw new Error("the browser holds no session cookie that verifies");
  return sessionKey(id);
}

/** Calls a function's default export with a request `browser` builds, and remembers the cookies it sets. */
export async function send(
  browser: TestBrowser,
  handler: Handler,
  path: string,
  init: Parameters<TestBrowser["request"]>[1] & { params?: Record<string, string>; ip?: string } = {},
): Promise<Response> {
  const { params = {}, ip = "127.0.0.1", ...requestInit } = init;
  return browser.remember(await handler(browser.request(path, requestInit), { ip, params }));
}
