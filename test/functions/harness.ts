import { expect } from "vitest";
import { unsignValue } from "../../lib/cookies/signing.ts";
import { sessionKey } from "../../lib/sessions/session-id.ts";
import type { Handler } from "../../lib/http/http.ts";
import type { TestMongo } from "../support/mongo.ts";
import { TestBrowser } from "../support/requests.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import register from "../../functions/register.ts";

/** The secret the functions sign with in integration tests (40 characters, so production rules pass too). */
export const SECRET = "integration-test-secret-0123456789abcdef";
/** The password every test user has. */
export const PASSWORD = "correct horse battery";

/**
 * Points the functions at a fresh database for one test file: the stand-in, or a throwaway database
 * on TEST_MONGODB_URI. Call at the top of the file; `api.mongo` is there once `beforeAll` has run.
 */
export function useApi(): { readonly mongo: TestMongo } {
  return useFunctionEnv({ SESSION_SECRETS: SECRET });
}

let serial = 0;

/** A username no other test uses. */
export function uniqueName(prefix = "user"): string {
  serial += 1;
  return `${prefix}${serial}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Registers a new user in `browser` (which is then logged in) and returns its name and id. */
export async function registerUser(browser: TestBrowser, username = uniqueName()): Promise<{ username: string; id: string }> {
  const response = await browser.send(register, "/api/register", { method: "POST", body: { username, password: PASSWORD } });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { user: { id: string; username: string } };
  return body.user;
}

/** The API's error body. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Asserts a JSON error with this status and code (and a human message, and nothing that leaks); returns the body. */
export async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status });
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(/\w+/);
  expectNoLeaks(text);
  return body;
}

/** Asserts a body shows no password hash, stack trace or driver message. */
export function expectNoLeaks(text: string): void {
  expect(text).not.toMatch(/passwordHash|scrypt(-nfc)?\$/);
  expect(text).not.toMatch(/\n\s+at |\.ts:\d+|node:internal/);
  expect(text).not.toMatch(/Mongo[A-Z]\w*Error|MongoServerError|E11000|ECONNREFUSED|topology|Server selection/i);
}

/** The raw session id inside the browser's signed session cookie (the value only the browser holds). */
export function sessionIdOf(browser: TestBrowser, name = "sid"): string {
  const raw = browser.cookies.get(name);
  if (raw === undefined) throw new Error(`the browser holds no ${name} cookie`);
  const id = unsignValue(decodeURIComponent(raw), [SECRET], { name, purpose: "session cookie" });
  if (id === undefined) throw new Error(`the ${name} cookie does not verify`);
  return id;
}

/** The public handle (sha256 hex) of the browser's session. */
export function handleOf(browser: TestBrowser): string {
  return sessionKey(sessionIdOf(browser));
}

/** Calls `handler` with a fresh request built by `browser` and returns the response (cookies not remembered). */
export function call(handler: Handler, browser: TestBrowser, path: string, init: Parameters<TestBrowser["request"]>[1] = {}): Promise<Response> {
  return handler(browser.request(path, init), { ip: "127.0.0.1", params: {} });
}

/** The `Set-Cookie` line for `name`, if the response sets it. */
export function setCookieFor(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}
