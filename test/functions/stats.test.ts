import { describe, expect, it, vi } from "vitest";
import health from "../../functions/health.ts";
import stats from "../../functions/stats.ts";
import { STATS_CACHE_MS } from "../../lib/sessions/session-stats.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectNoLeaks, registerUser, useApi } from "./harness.ts";

useApi();

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

describe("GET /api/health", () => {
  it("answers 200 { ok: true, store: 'mongodb' } when the store answers", async () => {
    const response = await new TestBrowser().send(health, "/api/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, store: "mongodb" });
  });
});
