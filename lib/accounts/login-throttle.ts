import { randomUUID } from "node:crypto";
import { MongoServerError, type Collection, type Db, type UpdateFilter, type UpdateResult } from "mongodb";
import { GalletaError } from "../http/errors.ts";
import type { LoginLimits, SiteLimits } from "../runtime/config.ts";
import { indexesOnce, storeCall } from "../runtime/mongo.ts";

/** One counter an attempt must fit under: its key and how many attempts it allows per window. */
export interface Counter {
  key: string;
  limit: number;
  /** The slots this attempt takes (a password change hashes twice); 1 unless said. */
  units?: number;
  /**
   * The end of the clock-aligned window the counter covers (a site-wide ceiling: one number per
   * window, not a list of attempts), instead of a window sliding back from each attempt.
   */
  endsAt?: Date;
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
 * The counter of one browser's device cookie: it stands in for the three above, at the pair
 * limit, so a copied cookie is worth as few guesses per window as one network gets for one username.
 * Keyed by the username too, so that deleting the account can forget it.
 */
export function deviceCounter(limits: LoginLimits, username: string, handle: string): Counter {
  return { key: `device:${username} ${handle}`, limit: limits.perPair };
}

/**
 * What one account's own browsers may do per window, whatever the outcome: password checks from a
 * browser with a valid device cookie (a password change counting twice, for its new hash) and
 * passkey assertions whose signature verified. Every browser of the account shares it, so neither
 * device cookies (a new one at each log-in) nor passkeys multiply it; strangers never reach it,
 * so they cannot spend it. Keyed by the account's id: a later account of the same name starts afresh.
 */
export function accountCounter(limits: LoginLimits, userId: string, units = 1): Counter {
  return { key: `account:${userId}`, limit: limits.perAccount, units };
}

/** The work a site-wide ceiling bounds. */
export type SiteWork = "hashes" | "registrations" | "anonymousSessions";

/**
 * The site-wide counter of `work` for the clock-aligned window holding `now`: one document per
 * window, moved by a conditional `$inc`, so that it costs the same whatever the ceiling (a list of
 * attempts, as the sliding counters keep, would grow with it).
 */
export function siteCounter(limits: SiteLimits, work: SiteWork, now: Date, windowMs: number, units = 1): Counter {
  const window = Math.floor(now.getTime() / windowMs);
  return { key: `site:${work}:${window}`, limit: limits[work], units, endsAt: new Date((window + 1) * windowMs) };
}

/** An attempt that fitted under its counters: what `release` needs. */
export interface Reservation {
  /** The attempt's id in each counter. */
  id: string;
  /** The sliding counters it was counted under. */
  keys: string[];
  /** The site-wide counters it was counted under, and by how much. */
  ceilings: Array<{ key: string; units: number }>;
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

/** A site-wide ceiling's counter for one clock-aligned window, in the same collection. */
interface CeilingDocument {
  /** `site:<work>:<window number>`. */
  _id: string;
  count: number;
  /** The window's end: the TTL index removes the counter then. */
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
  readonly #ceilings: Collection<CeilingDocument>;
  readonly #ensureIndexes: () => Promise<void>;

  constructor(db: Db) {
    this.#attempts = db.collection<AttemptDocument>("login_attempts");
    this.#ceilings = db.collection<CeilingDocument>("login_attempts");
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
    const fitted = await Promise.all(counters.map((counter) => (counter.endsAt === undefined ? this.#reserveOne(counter, attempt, windowMs) : this.#reserveCeiling(counter))));
    const reservation = (admitted: (index: number) => boolean): Reservation => ({
      id,
      keys: counters.filter((counter, index) => counter.endsAt === undefined && admitted(index)).map((counter) => counter.key),
      ceilings: counters.filter((counter, index) => counter.endsAt !== undefined && admitted(index)).map(({ key, units = 1 }) => ({ key, units })),
      windowMs,
    });
    if (fitted.every(Boolean)) return reservation(() => true);
    const full = counters.filter((_, index) => fitted[index] !== true);
    const [retryAt] = await Promise.all([this.#retryAt(full, now, windowMs), this.release(reservation((index) => fitted[index] === true))]);
    const retryAfter = Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000));
    throw new GalletaError("too_many_attempts", `Too many attempts. Try again in ${retryAfter} seconds.`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }

  /**
   * Takes a reservation back from its counters (an attempt that was refused, or counted under the
   * wrong ones, must not count at all), leaving each counter as the attempt found it: its expiry back
   * at its newest remaining attempt's, a counter the attempt created deleted, and a
   * site-wide ceiling's count lowered by what the attempt added. One round trip (two for a ceiling
   * the attempt alone was counted under): the take-back and the deletion run in parallel, and either
   * order ends the same, since the deletion's filter ("no attempt but this one") also matches the
   * empty counter the take-back may leave.
   */
  async release(reservation: Reservation): Promise<void> {
    const { id, keys, ceilings, windowMs } = reservation;
    const takeBack = [
      { $set: { attempts: { $filter: { input: "$attempts", as: "attempt", cond: { $ne: ["$$attempt.id", id] } } } } },
      { $set: { expiresAt: { $ifNull: [{ $add: [{ $max: "$attempts.at" }, windowMs] }, "$expiresAt"] } } },
    ];
    const onlyThis = { _id: { $in: keys }, attempts: { $not: { $elemMatch: { id: { $ne: id } } } } };
    await Promise.all([
      keys.length === 0 ? undefined : storeCall(() => this.#attempts.updateMany({ _id: { $in: keys } }, takeBack)),
      keys.length === 0 ? undefined : storeCall(() => this.#attempts.deleteMany(onlyThis)),
      ...ceilings.map(({ key, units }) => this.#giveBack(key, units)),
    ]);
  }

  /** Lowers a ceiling's count by `units`, and deletes the counter if that leaves it at nothing (a window whose only attempt was refused). */
  async #giveBack(key: string, units: number): Promise<void> {
    const after = await storeCall(() => this.#ceilings.findOneAndUpdate({ _id: key }, { $inc: { count: -units } }, { returnDocument: "after" }));
    if (after !== null && after.count <= 0) await storeCall(() => this.#ceilings.deleteOne({ _id: key, count: { $lte: 0 } }));
  }

  /**
   * Deletes counters outright, with every attempt they hold: OWASP's reset of a browser's failures
   * once it has proved the password (its pair with the network, or its device cookie's counter).
   */
  async clear(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await storeCall(() => this.#attempts.deleteMany({ _id: { $in: [...keys] } }));
  }

  /** Forgets every log-in counter of an account: its username's, its pairs with any network, its browsers' device counters and its own (account deletion). */
  async forget(username: string, userId: string): Promise<void> {
    const own = new RegExp(`^(pair|device):${username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `);
    await storeCall(() => this.#attempts.deleteMany({ $or: [{ _id: { $in: [`user:${username}`, `account:${userId}`] } }, { _id: { $regex: own } }] }));
  }

  async #reserveOne({ key, limit, units = 1 }: Counter, attempt: Attempt, windowMs: number): Promise<boolean> {
    if (units > limit) return false;
    const since = new Date(attempt.at.getTime() - windowMs);
    // Room for `units` more: the (limit - units + 1)-th newest is absent or outside the window.
    const filter = { _id: key, [`attempts.${limit - units}.at`]: { $not: { $gt: since } } };
    const update: UpdateFilter<AttemptDocument> = {
      $push: { attempts: { $each: Array.from({ length: units }, () => attempt), $sort: { at: -1 }, $slice: limit } },
      $max: { expiresAt: new Date(attempt.at.getTime() + windowMs) },
    };
    return fits((upsert) => this.#attempts.updateOne(filter, update, { upsert }));
  }

  /**
   * Counts `units` under a site-wide ceiling, if they fit: the same upsert-or-refuse as the sliding
   * counters, on a number. A window's first attempt creates the counter; a full one matches nothing.
   */
  async #reserveCeiling({ key, limit, units = 1, endsAt }: Counter): Promise<boolean> {
    if (units > limit) return false;
    const filter = { _id: key, count: { $lte: limit - units } };
    const update: UpdateFilter<CeilingDocument> = { $inc: { count: units }, $setOnInsert: { expiresAt: endsAt ?? new Date() } };
    return fits((upsert) => this.#ceilings.updateOne(filter, update, { upsert }));
  }

  /** When every full counter has room again: its `limit`-th newest attempt leaves the window, or a ceiling's window ends. */
  async #retryAt(full: readonly Counter[], now: Date, windowMs: number): Promise<number> {
    let retryAt = now.getTime();
    for (const { endsAt } of full) if (endsAt !== undefined) retryAt = Math.max(retryAt, endsAt.getTime());
    const sliding = full.filter((counter) => counter.endsAt === undefined);
    if (sliding.length === 0) return retryAt;
    const documents = await storeCall(() => this.#attempts.find({ _id: { $in: sliding.map((counter) => counter.key) } }).toArray());
    for (const { key, limit, units = 1 } of sliding) {
      const at = documents.find((document) => document._id === key)?.attempts[Math.max(0, limit - units)]?.at;
      if (at !== undefined) retryAt = Math.max(retryAt, at.getTime() + windowMs);
    }
    return retryAt;
  }
}

/**
 * Runs a counter's conditional update as an upsert, so that a first attempt creates the counter;
 * whether it fitted. The counter exists but is full (the upsert then tries to insert its _id again),
 * or two first attempts raced to create it: then, without upsert, the filter alone decides.
 */
async function fits(update: (upsert: boolean) => Promise<UpdateResult>): Promise<boolean> {
  try {
    await storeCall(() => update(true));
    return true;
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    const result = await storeCall(() => update(false));
    return result.matchedCount === 1;
  }
}
