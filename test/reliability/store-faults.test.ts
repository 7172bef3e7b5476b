import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDatabase } from "../../lib/runtime/mongo.ts";
import type { MongoStandin } from "../../netlify/mongo-standin/server.ts";
import { startFunctionServer, type FunctionServer } from "../../netlify/function-server.ts";
import { LIVE } from "../support/mongo.ts";
import { HttpBrowser, settle, useFunctionEnv, waitFor } from "./support.ts";

/** Issue #6: an unreachable store answers 503 within this long, never later. */
const ANSWER_WITHIN_MS = 5000;

interface Outcome {
  client: number;
  route: string;
  status: number;
  code: string | undefined;
  ms: number;
  /** Sent after the store went away and answered before it came back. */
  whileDown: boolean;
  visits: number | undefined;
}

const api = useFunctionEnv();
let server: FunctionServer;
let standin: MongoStandin;

beforeAll(async () => {
  if (LIVE) return;
  standin = api.mongo.standin as MongoStandin;
  server = await startFunctionServer();
});

afterAll(async () => {
  await server?.close();
});

// The functions log each 503's cause; keep the output readable, and prove nothing else was logged.
const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
afterEach(() => {
  for (const [first] of logged.mock.calls) expect(String(first)).toBe("galleta: store_unavailable:");
  logged.mockClear();
});

async function timed(browser: HttpBrowser, route: "POST /api/visits" | "GET /api/session" | "GET /api/health") {
  const [method, path] = route.split(" ") as [string, string];
  const started = performance.now();
  const { status, body } = await settle(await browser.fetch(path, { method }), route);
  const ms = performance.now() - started;
  const code = status >= 400 ? (body as { error: { code: string } }).error.code : undefined;
  const visits = route === "POST /api/visits" && status === 200 ? (body as { visits: number }).visits : undefined;
  return { status, code, ms, visits };
}

/**
 * Runs `run` with the functions' client made from MONGODB_URI plus `options`, as a user would set
 * them (lib/runtime/mongo.ts: the connection string's options win), then goes back to the file's.
 */
async function withConnectionOptions(options: string, run: () => Promise<void>): Promise<void> {
  await closeDatabase();
  process.env.MONGODB_URI = `${api.mongo.uri}${api.mongo.uri.includes("?") ? "&" : "?"}${options}`;
  try {
    await run();
  } finally {
    await closeDatabase();
    process.env.MONGODB_URI = api.mongo.uri;
  }
}

describe.skipIf(LIVE)("when the store fails (needs the stand-in's fault switches; skipped against TEST_MONGODB_URI)", () => {
  it("answers every request with 503 store_unavailable within 5 s while the store is down, loses nothing it acknowledged, and serves again once it is back", { timeout: 60_000 }, async () => {
    // The outage lasts until every client has had two answers during it, and each waits out the
    // driver's server selection: 3 s by default, 1 s here (issue 17: 10 s of this file's 15 were
    // that wait). test/functions/store-unavailable.test.ts proves the 503 within 5 s at galleta's
    // defaults from every endpoint, for a store that is gone and for one that stalls; the next test
    // here, for one that stalls, through the function server.
    await withConnectionOptions("serverSelectionTimeoutMS=1000", outageAndRecovery);
  });

  async function outageAndRecovery(): Promise<void> {
    const clients = Array.from({ length: 8 }, () => new HttpBrowser(server.url));
    const acknowledged = new Map<HttpBrowser, number>();
    for (const browser of clients) {
      const first = await timed(browser, "POST /api/visits");
      expect(first.status).toBe(200);
      acknowledged.set(browser, first.visits ?? 0);
    }

    const outcomes: Outcome[] = [];
    const recovered = new WeakSet<Outcome>();
    let phase: "before" | "suspending" | "down" | "back" = "before";
    let stop = false;
    const countWhere = (test: (o: Outcome) => boolean) => outcomes.filter(test).length;
    const warmedUp = waitFor(() => countWhere((o) => o.status === 200) >= 40, 20_000, "40 answers before the outage");
    const sawOutage = waitFor(
      () => clients.every((_, client) => countWhere((o) => o.client === client && o.whileDown) >= 2),
      30_000,
      "two answers per client during the outage",
    );
    const sawRecovery = waitFor(
      () => clients.every((_, client) => outcomes.some((o) => o.client === client && o.status === 200 && recovered.has(o))),
      30_000,
      "every client served again after the store came back",
    );
    const routes = ["POST /api/visits", "GET /api/session", "POST /api/visits", "GET /api/health"] as const;

    const streams = clients.map(async (browser, client) => {
      for (let i = 0; !stop; i += 1) {
        const route = routes[(i + client) % routes.length] as (typeof routes)[number];
        const startedIn = phase;
        const result = await timed(browser, route);
        const outcome: Outcome = { client, route, ...result, whileDown: startedIn === "down" && phase === "down" };
        outcomes.push(outcome);
        if (startedIn === "back") recovered.add(outcome);
        // Every count answered with 200 is owed afterwards, whenever it was answered.
        if (result.visits !== undefined) acknowledged.set(browser, Math.max(acknowledged.get(browser) ?? 0, result.visits));
        for (const waiter of [warmedUp, sawOutage, sawRecovery]) waiter.tick();
      }
    });

    await warmedUp.promise;
    phase = "suspending";
    await standin.suspend();
    phase = "down";
    await sawOutage.promise;
    phase = "back";
    await standin.resume();
    await sawRecovery.promise;
    stop = true;
    await Promise.all(streams);

    const slowest = Math.max(...outcomes.map((o) => o.ms));
    const during = outcomes.filter((o) => o.whileDown);
    console.log(
      `store faults: ${outcomes.length} requests, ${during.length} during the outage, slowest answer ${Math.round(slowest)} ms, ` +
        `outage answers ${Math.round(Math.min(...during.map((o) => o.ms)))}–${Math.round(Math.max(...during.map((o) => o.ms)))} ms`,
    );
    for (const outcome of outcomes) {
      expect(outcome.ms, JSON.stringify(outcome)).toBeLessThan(ANSWER_WITHIN_MS);
      expect([200, 503], JSON.stringify(outcome)).toContain(outcome.status);
      if (outcome.status === 503) expect(outcome.code).toBe("store_unavailable");
    }
    for (const outcome of during) expect(outcome, "a request sent while the store was down").toMatchObject({ status: 503, code: "store_unavailable" });

    // Nothing half-written: every session has both expiries, and no acknowledged visit was lost.
    const sessions = await api.mongo.db.collection("sessions").find().toArray();
    for (const session of sessions) {
      expect(session.expiresAt, JSON.stringify(session)).toBeInstanceOf(Date);
      expect(session.absoluteExpiresAt, JSON.stringify(session)).toBeInstanceOf(Date);
    }
    for (const browser of clients) {
      const after = await settle(await browser.fetch("/api/session"));
      expect(after.status).toBe(200);
      expect((after.body as { visits: number }).visits).toBeGreaterThanOrEqual(acknowledged.get(browser) ?? Infinity);
    }
  }

  it("answers 503 store_unavailable within 5 s when the store replies too slowly, and serves the next request once it is fast again", { timeout: 30_000 }, async () => {
    const browser = new HttpBrowser(server.url);
    expect((await timed(browser, "POST /api/visits")).status).toBe(200);
    standin.setReplyDelay(6000);
    try {
      // (The health check's `ping` is the driver's own kind of command, which the stand-in never delays.)
      const slow = await Promise.all([timed(browser, "GET /api/session"), timed(browser, "POST /api/visits"), timed(new HttpBrowser(server.url), "POST /api/visits")]);
      console.log(`slow store: answered in ${slow.map((o) => Math.round(o.ms)).join(", ")} ms`);
      for (const outcome of slow) {
        expect(outcome).toMatchObject({ status: 503, code: "store_unavailable" });
        expect(outcome.ms).toBeLessThan(ANSWER_WITHIN_MS);
      }
    } finally {
      standin.setReplyDelay(0);
    }
    expect(await timed(browser, "GET /api/session")).toMatchObject({ status: 200 });
  });

  it.each(["GET /api/session", "POST /api/visits"] as const)(
    "never answers 500 to %s when the store drops the connection mid-reply, and serves the next request",
    { timeout: 30_000 },
    async (route) => {
      const browser = new HttpBrowser(server.url);
      expect((await timed(browser, "POST /api/visits")).status).toBe(200);
      for (const fresh of [false, true]) {
        // A fresh browser has no session, so its first command is an insert rather than a read.
        const client = fresh ? new HttpBrowser(server.url) : browser;
        standin.dropNextReplies(1);
        const dropped = await timed(client, route);
        expect([200, 503], JSON.stringify(dropped)).toContain(dropped.status);
        expect(dropped.ms).toBeLessThan(ANSWER_WITHIN_MS);
        standin.dropNextReplies(0);
        expect(await timed(client, route)).toMatchObject({ status: 200 });
      }
    },
  );
});
