import type { GalletaConfig } from "../runtime/config.ts";
import type { MongoStore } from "./mongo-store.ts";
import type { SessionData } from "./session-store.ts";

/** The storage page's figures: counts only, never ids, names or user agents. */
export interface SessionStatsView {
  activeSessions: number;
  ttlIndex: { name: string; key: Record<string, unknown>; expireAfterSeconds: number | undefined } | null;
  expiries: { from: string; bucketSeconds: number; counts: number[] };
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
}

/**
 * Figures are computed at most once per this long per instance: the endpoint is public, so without
 * it every call would cost an aggregation over all sessions, and polling it would show each log-in
 * as it happens (issue 10).
 */
export const STATS_CACHE_MS = 30_000;
/** The chart never shows buckets shorter than 5 minutes: the page needs no finer, and finer helps watching. */
const MIN_BUCKET_MS = 5 * 60_000;
const MAX_BUCKETS = 12;

const computed = new WeakMap<object, { at: number; view: Promise<SessionStatsView> }>();

/** The storage figures for this store, from this instance's copy if it is under STATS_CACHE_MS old. */
export function sessionStats<Data extends SessionData>(store: MongoStore<Data>, config: GalletaConfig, now: Date): Promise<SessionStatsView> {
  const known = computed.get(store);
  if (known !== undefined && now.getTime() - known.at >= 0 && now.getTime() - known.at < STATS_CACHE_MS) return known.view;
  const view = compute(store, config, now);
  computed.set(store, { at: now.getTime(), view });
  // A failure is not remembered: the next call tries the store again.
  view.catch(() => computed.delete(store));
  return view;
}

async function compute<Data extends SessionData>(store: MongoStore<Data>, config: GalletaConfig, now: Date): Promise<SessionStatsView> {
  const bucketMs = Math.max(MIN_BUCKET_MS, Math.ceil(config.idleTimeoutMs / MAX_BUCKETS / 60_000) * 60_000);
  const buckets = Math.min(MAX_BUCKETS, Math.ceil(config.idleTimeoutMs / bucketMs));
  const [stats, ttl] = await Promise.all([store.stats(now, bucketMs, buckets), store.ttlIndex()]);
  return {
    activeSessions: stats.active,
    ttlIndex: ttl === null ? null : { name: ttl.name, key: ttl.key, expireAfterSeconds: ttl.expireAfterSeconds },
    expiries: { from: now.toISOString(), bucketSeconds: bucketMs / 1000, counts: stats.expiryCounts },
    idleTimeoutSeconds: config.idleTimeoutMs / 1000,
    absoluteTimeoutSeconds: config.absoluteTimeoutMs / 1000,
  };
}
