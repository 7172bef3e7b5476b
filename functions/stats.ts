import type { Config } from "@netlify/functions";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

const BUCKETS = 12;

/** Figures for the storage page: live sessions, the TTL index, and how many expire in each coming bucket. Counts only, no personal data. */
export default methods({
  GET: async () => {
    const { store, config } = services();
    const now = new Date();
    const bucketMs = Math.ceil(config.idleTimeoutMs / BUCKETS);
    const [stats, ttl] = await Promise.all([store.stats(now, bucketMs, BUCKETS), store.ttlIndex()]);
    return json({
      activeSessions: stats.active,
      ttlIndex: ttl === null ? null : { name: ttl.name, key: ttl.key, expireAfterSeconds: ttl.expireAfterSeconds },
      expiries: { from: now.toISOString(), bucketSeconds: bucketMs / 1000, counts: stats.expiryCounts },
      idleTimeoutSeconds: config.idleTimeoutMs / 1000,
      absoluteTimeoutSeconds: config.absoluteTimeoutMs / 1000,
    });
  },
});

export const config: Config = { path: "/api/stats" };
