import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import account from "../../functions/account.ts";
import activity from "../../functions/activity.ts";
import health from "../../functions/health.ts";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import password from "../../functions/password.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import register from "../../functions/register.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import stats from "../../functions/stats.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import type { Handler } from "../../lib/http/http.ts";
import { closeDatabase } from "../../lib/runtime/mongo.ts";
import type { MongoStandin } from "../../netlify/mongo-standin/server.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, uniqueName, useApi } from "./harness.ts";

const api = useApi();
let username: string;
let browser: TestBrowser;

beforeAll(async () => {
  // The functions log the driver's error server-side (and only there); keep the test output readable.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  browser = new TestBrowser();
  ({ username } = await registerUser(browser));
});

afterAll(() => {
  vi.restoreAllMocks();
});

/** Every endpoint that needs the store, called as a logged-in browser would. */
function everyStoreCall(): [string, () => Promise<Response>][] {
  const send = (handler: Handler, path: string, init: Parameters<TestBrowser["request"]>[1] = {}) => () =>
    handler(browser.request(path, init), { ip: "127.0.0.1", params: {} });
  return [
    ["GET /api/health", send(health, "/api/health")],
    ["GET /api/session", send(session, "/api/session")],
    ["POST /api/visits", send(visits, "/api/visits", { method: "POST" })],
    ["GET /api/sessions", send(sessions, "/api/sessions")],
    ["GET /api/stats", send(stats, "/api/stats")],
    ["POST /api/login", send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } })],
    ["POST /api/register", send(register, "/api/register", { method: "POST", body: { username: uniqueName(), password: PASSWORD } })],
    ["POST /api/token", send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } })],
    ["POST /api/logout", send(logout, "/api/logout", { method: "POST" })],
    ["DELETE /api/sessions", send(sessions, "/api/sessions", { method: "DELETE" })],
    ["POST /api/reauthenticate", send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: PASSWORD } })],
    ["POST /api/password", send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` } })],
    ["GET /api/activity", send(activity, "/api/activity")],
    ["DELETE /api/account", send(account, "/api/account", { method: "DELETE" })],
  ];
}

async function expectUnavailableWithin5s(calls: [string, () => Promise<Response>][]): Promise<void> {
  await Promise.all(
    calls.map(async ([name, call]) => {
      const started = performance.now();
      const response = await call();
      const elapsed = performance.now() - started;
      expect({ name, status: response.status, elapsedUnder5s: elapsed < 5000 }).toEqual({ name, status: 503, elapsedUnder5s: true });
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
      await expectError(response, 503, "store_unavailable");
    }),
  );
}

function standin(context: { skip: () => never }): MongoStandin {
  return api.mongo.standin ?? context.skip();
}

describe("when the store goes away", { timeout: 30_000 }, () => {
  it("answers 503 store_unavailable from every endpoint within 5 s, and serves again once it is back", async (context) => {
    const db = standin(context);
    await db.suspend();
    try {
      await expectUnavailableWithin5s(everyStoreCall());
    } finally {
      await db.resume();
    }
    const response = await browser.send(session, "/api/session");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ authenticated: true, user: { username } });
  });

  it("answers 503 within 5 s when the store accepts connections but does not answer", async (context) => {
    const db = standin(context);
    db.setReplyDelay(60_000);
    try {
      // Not health: the stand-in never delays `ping`, which it counts as the driver's own traffic.
      await expectUnavailableWithin5s(everyStoreCall().slice(1, 4));
    } finally {
      db.setReplyDelay(0);
    }
    expect((await browser.send(visits, "/api/visits", { method: "POST" })).status).toBe(200);
  });

  it("reconnects on the next request after the shared client was closed", async () => {
    await closeDatabase();
    const response = await browser.send(session, "/api/session");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ authenticated: true, user: { username } });
  });

  it("answers 503 when a reply is cut off halfway, and the next request succeeds", async (context) => {
    const db = standin(context);
    db.dropNextReplies(2);
    const response = await browser.send(stats, "/api/stats");
    if (response.status !== 200) await expectError(response, 503, "store_unavailable");
    expect((await browser.send(stats, "/api/stats")).status).toBe(200);
  });
});
