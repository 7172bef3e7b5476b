import { describe, expect, it, vi } from "vitest";
import health from "../../functions/health.ts";
import stats from "../../functions/stats.ts";
import { STATS_CACHE_MS } from "../../lib/sessions/session-stats.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import type { Handler } from "../../lib/http/http.ts";
import { expectNoLeaks, registerUser, useApi } from "./harness.ts";

const api = useApi();

interface Stats {
  activeSessions: number;
  ttlIndex: { name: string; key: Record<string, number>; expireAfterSeconds: number } | null;
  expiries: { from: string; bucketSeconds: number; counts: number[] };
}

async function readStats(): Promise<Stats> {
  const response = await new TestBrowser().send(stats, "/api/stats");
  expect(response.status).toBe(200);
  return (await response.json()) as Stats;
}

describe("GET /api/stats", { timeout: 20_000 }, () => {
  it("shows the TTL index on expiresAt with expireAfterSeconds 0", async () => {
    expect((await readStats()).ttlIndex).toMatchObject({ key: { expiresAt: 1 }, expireAfterSeconds: 0 });
  });

  it("counts the sessions that start, in the 5-minute bucket their expiry falls in, once the instance's 30-second copy is stale", async () => {
    const started = Date.now();
    try {
      vi.setSystemTime(started);
      const before = await readStats();
      for (let browser = 0; browser < 3; browser += 1) await new TestBrowser().send(visits, "/api/visits", { method: "POST" });
      vi.setSystemTime(started + STATS_CACHE_MS - 1000);
      expect(await readStats()).toEqual(before);
      // The new sessions expire 30 minutes after `started`: in the last of 6 buckets of 5 minutes.
      vi.setSystemTime(started + STATS_CACHE_MS + 1000);
      const after = await readStats();
      expect(after.activeSessions - before.activeSessions).toBe(3);
      expect(after.expiries.bucketSeconds).toBe(300);
      expect(after.expiries.counts).toHaveLength(6);
      expect((after.expiries.counts[5] ?? 0) - (before.expiries.counts[5] ?? 0)).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows counts only: no session ids, user ids, usernames or user agents", async () => {
    const browser = new TestBrowser();
    browser.userAgent = "Very Identifying Browser 1.0";
    const user = await registerUser(browser);
    const response = await new TestBrowser().send(stats, "/api/stats");
    const text = await response.text();
    expect(text).not.toContain(user.id);
    expect(text).not.toContain(user.username);
    expect(text).not.toContain("Very Identifying");
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expectNoLeaks(text);
  });
});

describe("GET /api/stats from many instances at once", { timeout: 30_000 }, () => {
  /** `count` cold instances of the stats function: each a fresh module graph, with its own services and MongoDB client. */
  async function coldInstances(count: number): Promise<{ handlers: Handler[]; close: () => Promise<void> }> {
    const handlers: Handler[] = [];
    const closers: Array<() => Promise<void>> = [];
    for (let instance = 0; instance < count; instance += 1) {
      vi.resetModules();
      handlers.push(((await import("../../functions/stats.ts")) as { default: Handler }).default);
      closers.push(((await import("../../lib/runtime/mongo.ts")) as { closeDatabase: () => Promise<void> }).closeDatabase);
    }
    vi.resetModules();
    return { handlers, close: async () => void (await Promise.all(closers.map((close) => close()))) };
  }

  it("aggregates the sessions once per window, however many cold instances answer at once", async (context) => {
    const standin = api.mongo.standin;
    if (standin === undefined) return context.skip();
    await api.mongo.db.collection("session_stats").deleteMany({});
    const cold = await coldInstances(8);
    const later = await coldInstances(8);
    const started = Date.now();
    try {
      const ask = (handlers: Handler[]) => Promise.all(handlers.map(async (handler) => (await handler(new Request("http://localhost:8888/api/stats"), { ip: "127.0.0.1", params: {} })).json()));
      standin.resetCounts();
      const answers = await ask(cold.handlers);
      expect(standin.commandCounts().aggregate).toBe(1);
      expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
      // The next window: eight other cold instances, once the shared copy is stale.
      vi.setSystemTime(started + STATS_CACHE_MS + 1000);
      standin.resetCounts();
      await ask(later.handlers);
      expect(standin.commandCounts().aggregate).toBe(1);
    } finally {
      vi.useRealTimers();
      await Promise.all([cold.close(), later.close()]);
    }
  });

  it("answers a request with a copy another instance computed after that request began, without aggregating again", async (context) => {
    const standin = api.mongo.standin;
    if (standin === undefined) return context.skip();
    await api.mongo.db.collection("session_stats").deleteMany({});
    const [first, slower] = (await coldInstances(2)).handlers;
    const started = Date.now();
    try {
      const ask = async (handler: Handler | undefined) => (await handler?.(new Request("http://localhost:8888/api/stats"), { ip: "127.0.0.1", params: {} }))?.json();
      vi.setSystemTime(started);
      const computed = await ask(first);
      // The slower instance's request began 50 ms before the copy was computed, as under load.
      vi.setSystemTime(started - 50);
      standin.resetCounts();
      expect(await ask(slower)).toEqual(computed);
      expect(standin.commandCounts().aggregate).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("takes the work over from an instance that took it and never finished", async (context) => {
    const standin = api.mongo.standin;
    if (standin === undefined) return context.skip();
    const shared = api.mongo.db.collection<{ _id: string; leaseUntil: Date }>("session_stats");
    await shared.deleteMany({});
    // Its lease has run out, and it wrote no figures.
    await shared.insertOne({ _id: "sessions", leaseUntil: new Date(Date.now() - 1) });
    const cold = await coldInstances(1);
    try {
      standin.resetCounts();
      const response = await (cold.handlers[0] as Handler)(new Request("http://localhost:8888/api/stats"), { ip: "127.0.0.1", params: {} });
      expect(await response.json()).toMatchObject({ ttlIndex: { expireAfterSeconds: 0 } });
      expect(standin.commandCounts().aggregate).toBe(1);
    } finally {
      await cold.close();
    }
  });
});

describe("GET /api/health", () => {
  it("answers 200 { ok: true, store: 'mongodb' } when the store answers", async () => {
    const response = await new TestBrowser().send(health, "/api/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, store: "mongodb" });
  });
});
