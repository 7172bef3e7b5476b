import { MongoServerError, type Collection, type Db } from "mongodb";
import type { GalletaConfig } from "../runtime/config.ts";
import { storeCall } from "../runtime/mongo.ts";
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
 * Figures are computed at most once per this long, across every instance: the endpoint is public,
 * so without it every call would cost an aggregation over all sessions, and polling it would show
 * each log-in as it happens.
 */
export const STATS_CACHE_MS = 30_000;
/** How long the instance that took the work may take before another may take it over (it may have died). */
const LEASE_MS = 10_000;
/** How often an instance that finds no figures at all, while another computes them, looks again. */
const POLL_MS = 100;
/** The chart never shows buckets shorter than 5 minutes: the page needs no finer, and finer helps watching. */
const MIN_BUCKET_MS = 5 * 60_000;
const MAX_BUCKETS = 12;
const DUPLICATE_KEY = 11000;

/** The one shared copy of the figures, in `session_stats`. */
interface StatsDocument {
  _id: "sessions";
  /** The view as JSON (what the API sends), so it comes back exactly as it was computed. */
  view?: string;
  computedAt?: Date;
  /** Until when the instance computing the figures holds the work; in the past when nobody does. */
  leaseUntil: Date;
}

/**
 * The storage page's figures, shared by every instance through one document: whichever instance
 * finds it stale takes the work with a conditional write (a lease) and aggregates; the others keep
 * answering the copy they find, so N cold instances at once cost one aggregation per window, not N.
 * Each instance also keeps the copy it last read for the rest of its window, which costs no command.
 */
export class SessionStats<Data extends SessionData> {
  readonly #store: MongoStore<Data>;
  readonly #config: GalletaConfig;
  readonly #shared: Collection<StatsDocument>;
  #known: { computedAt: number; view: SessionStatsView } | undefined;

  constructor(db: Db, store: MongoStore<Data>, config: GalletaConfig) {
    this.#store = store;
    this.#config = config;
    this.#shared = db.collection<StatsDocument>("session_stats");
  }

  /** The figures, at most STATS_CACHE_MS old. */
  async read(now: Date): Promise<SessionStatsView> {
    for (;;) {
      if (this.#known !== undefined && isFresh(this.#known.computedAt, now)) return this.#known.view;
      const shared = await storeCall(() => this.#shared.findOne({ _id: "sessions" }));
      const copy = shared?.view === undefined || shared.computedAt === undefined ? undefined : { computedAt: shared.computedAt.getTime(), view: JSON.parse(shared.view) as SessionStatsView };
      if (copy !== undefined && isFresh(copy.computedAt, now)) {
        this.#known = copy;
        return copy.view;
      }
      if (await this.#takeLease(now)) return this.#compute(now);
      // Another instance is computing: a stale copy is still an answer; with none yet, wait for its.
      if (copy !== undefined) return copy.view;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      now = new Date();
    }
  }

  /** Takes the work if nobody holds it: one conditional write, which a second taker's upsert fails with a duplicate key. */
  async #takeLease(now: Date): Promise<boolean> {
    try {
      await storeCall(() =>
        this.#shared.updateOne({ _id: "sessions", leaseUntil: { $lte: now } }, { $set: { leaseUntil: new Date(now.getTime() + LEASE_MS) } }, { upsert: true }),
      );
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async #compute(now: Date): Promise<SessionStatsView> {
    const config = this.#config;
    const bucketMs = Math.max(MIN_BUCKET_MS, Math.ceil(config.idleTimeoutMs / MAX_BUCKETS / 60_000) * 60_000);
    const buckets = Math.min(MAX_BUCKETS, Math.ceil(config.idleTimeoutMs / bucketMs));
    let view: SessionStatsView;
    try {
      const [stats, ttl] = await Promise.all([this.#store.stats(now, bucketMs, buckets), this.#store.ttlIndex()]);
      view = {
        activeSessions: stats.active,
        ttlIndex: ttl === null ? null : { name: ttl.name, key: ttl.key, expireAfterSeconds: ttl.expireAfterSeconds },
        expiries: { from: now.toISOString(), bucketSeconds: bucketMs / 1000, counts: stats.expiryCounts },
        idleTimeoutSeconds: config.idleTimeoutMs / 1000,
        absoluteTimeoutSeconds: config.absoluteTimeoutMs / 1000,
      };
    } catch (error) {
      // A failure gives the work back, so the next request tries the store again.
      await storeCall(() => this.#shared.updateOne({ _id: "sessions" }, { $set: { leaseUntil: new Date(0) } })).catch(() => undefined);
      throw error;
    }
    await storeCall(() => this.#shared.updateOne({ _id: "sessions" }, { $set: { view: JSON.stringify(view), computedAt: now, leaseUntil: new Date(0) } }));
    this.#known = { computedAt: now.getTime(), view };
    return view;
  }
}

/**
 * Whether a copy computed at `computedAt` may answer a request made at `now`. A copy newer than the
 * request is fresh: another instance computed it while this request waited (under load a request's
 * own `now` can be older than the copy it reads), and refusing it would aggregate again. One window
 * into the future bounds what a clock that jumped ahead can keep alive.
 */
function isFresh(computedAt: number, now: Date): boolean {
  const age = now.getTime() - computedAt;
  return age > -STATS_CACHE_MS && age < STATS_CACHE_MS;
}
