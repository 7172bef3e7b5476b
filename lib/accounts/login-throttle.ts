import { randomUUID } from "node:crypto";
import { MongoServerError, type Collection, type Db, type UpdateFilter } from "mongodb";
import { GalletaError } from "../http/errors.ts";
import type { LoginLimits } from "../runtime/config.ts";
import { indexesOnce, storeCall } from "../runtime/mongo.ts";

/** One counter an attempt must fit under: its key and how many attempts it allows per window. */
export interface Counter {
  key: string;
  limit: number;
}

/** The three counters a log-in attempt must fit under, for a (normalised) username and a client network. */
export function loginCounters(limits: LoginLimits, username: string, network: string): { pair: Counter; network: Counter; username: Counter } {
  return {
    pair: { key: `pair:${username} ${network}`, limit: limits.perPair },
    network: { key: `network:${network}`, limit: limits.perNetwork },
    username: { key: `user:${username}`, limit: limits.perUsername },
  };
}

/**
 * The counter of one browser's device cookie (issue 15): it stands in for all three above, at the pair
 * limit, so a copied cookie is worth as few guesses per window as one network gets for one username.
 * Keyed by the username too, so that deleting the account can forget it.
 */
export function deviceCounter(limits: LoginLimits, username: string, handle: string): Counter {
  return { key: `device:${username} ${handle}`, limit: limits.perPair };
}

/** An attempt that fitted under its counters: what `release` needs. */
export interface Reservation {
  /** The attempt's id in each counter. */
  id: string;
  /** The counters it was counted under. */
  keys: string[];
  /** Their window: a release moves a counter's expiry back to its newest remaining attempt's plus this. */
  windowMs: number;
}

/** One attempt: its id (so a success can take exactly it back) and when it was made. */
interface Attempt {
  id: string;
  at: Date;
}

interface AttemptDocument {
  /** What is counted, e.g. `pair:<username> <network>`, `network:<network>`, `user:<username>`. */
  _id: string;
  /** At most `limit` attempts, newest first: failures and attempts still being checked. */
  attempts: Attempt[];
  /** When the newest attempt leaves the window: the TTL index removes the counter then. */
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * Attempt counters in MongoDB (log-ins, registrations), shared by every function instance and
 * surviving cold starts. An attempt is counted before the work it guards, by one atomic update per
 * counter whose filter says "fewer than `limit` attempts inside the window": the array is kept
 * newest first, so that is "the `limit`-th newest is absent or older than the window". A refused
 * attempt writes nothing, and since a push happens only below the limit, trimming the array to
 * `limit` entries never pushes out an attempt still inside the window (issue 10: the old
 * push-then-judge counter was emptied by bursts of refused attempts). The window slides back from
 * each attempt; a clock-aligned one would allow twice the limit across its boundary.
 */
export class LoginThrottle {
  readonly #attempts: Collection<AttemptDocument>;
  readonly #ensureIndexes: () => Promise<void>;

  constructor(db: Db) {
    this.#attempts = db.collection<AttemptDocument>("login_attempts");
    this.#ensureIndexes = indexesOnce(this.#attempts, [{ name: "expiresAt_ttl", key: { expiresAt: 1 }, expireAfterSeconds: 0 }]);
  }

  /**
   * Counts one attempt under every counter at once (one round trip), or throws 429
   * `too_many_attempts` with `Retry-After` if any is full, taking the attempt back from those that
   * had room, so that a refused attempt leaves nothing behind (issue 15).
   */
  async reserve(counters: readonly Counter[], now: Date, windowMs: number): Promise<Reservation> {
    await this.#ensureIndexes();
    const id = randomUUID();
    const attempt: Attempt = { id, at: now };
    const fitted = await Promise.all(counters.map((counter) => this.#reserveOne(counter, attempt, windowMs)));
    const keys = counters.map((counter) => counter.key);
    if (fitted.every(Boolean)) return { id, keys, windowMs };
    const full = counters.filter((_, index) => fitted[index] !== true);
    const [retryAt] = await Promise.all([this.#retryAt(full, now, windowMs), this.release({ id, keys: keys.filter((_, index) => fitted[index]), windowMs })]);
    const retryAfter = Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000));
    throw new GalletaError("too_many_attempts", `Too many attempts. Try again in ${retryAfter} seconds.`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }

  /**
   * Takes a reservation back from its counters (a success does not count as a failure, and a refused
   * attempt must not count at all), leaving each counter as the attempt found it: its expiry back at
   * its newest remaining attempt's, and a counter the attempt created deleted (issue 15). With
   * `forget`, deletes those counters outright. One round trip: the take-back and the deletion run in
   * parallel, and either order ends the same, since the deletion's filter ("no attempt but this
   * one") also matches the empty counter the take-back may leave.
   */
  async release(reservation: Reservation, forget: readonly string[] = []): Promise<void> {
    const { id, windowMs } = reservation;
    const kept = reservation.keys.filter((key) => !forget.includes(key));
    const takeBack = [
      { $set: { attempts: { $filter: { input: "$attempts", as: "attempt", cond: { $ne: ["$$attempt.id", id] } } } } },
      { $set: { expiresAt: { $ifNull: [{ $add: [{ $max: "$attempts.at" }, windowMs] }, "$expiresAt"] } } },
    ];
    const onlyThis = { _id: { $in: kept }, attempts: { $not: { $elemMatch: { id: { $ne: id } } } } };
    await Promise.all([
      kept.length === 0 ? undefined : storeCall(() => this.#attempts.updateMany({ _id: { $in: kept } }, takeBack)),
      kept.length + forget.length === 0 ? undefined : storeCall(() => this.#attempts.deleteMany({ $or: [{ _id: { $in: [...forget] } }, onlyThis] })),
    ]);
  }

  /** Forgets every log-in counter of a username: its pairs with any network and its browsers' device counters included (account deletion). */
  async forget(username: string): Promise<void> {
    const own = new RegExp(`^(pair|device):${username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `);
    await storeCall(() => this.#attempts.deleteMany({ $or: [{ _id: `user:${username}` }, { _id: { $regex: own } }] }));
  }

  async #reserveOne({ key, limit }: Counter, attempt: Attempt, windowMs: number): Promise<boolean> {
    const since = new Date(attempt.at.getTime() - windowMs);
    const filter = { _id: key, [`attempts.${limit - 1}.at`]: { $not: { $gt: since } } };
    const update: UpdateFilter<AttemptDocument> = {
      $push: { attempts: { $each: [attempt], $sort: { at: -1 }, $slice: limit } },
      $max: { expiresAt: new Date(attempt.at.getTime() + windowMs) },
    };
    try {
      await storeCall(() => this.#attempts.updateOne(filter, update, { upsert: true }));
      return true;
    } catch (error) {
      // The counter exists but is full (the upsert then tries to insert its _id again), or two
      // first attempts raced to create it: without upsert, the filter alone decides.
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      const result = await storeCall(() => this.#attempts.updateOne(filter, update));
      return result.matchedCount === 1;
    }
  }

  /** When every full counter has room again: its `limit`-th newest attempt leaves the window. */
  async #retryAt(full: readonly Counter[], now: Date, windowMs: number): Promise<number> {
    const documents = await storeCall(() => this.#attempts.find({ _id: { $in: full.map((counter) => counter.key) } }).toArray());
    let retryAt = now.getTime();
    for (const { key, limit } of full) {
      const at = documents.find((document) => document._id === key)?.attempts[limit - 1]?.at;
      if (at !== undefined) retryAt = Math.max(retryAt, at.getTime() + windowMs);
    }
    return retryAt;
  }
}
