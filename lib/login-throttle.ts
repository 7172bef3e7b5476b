import type { Collection, Db } from "mongodb";
import { GalletaError } from "./errors.ts";
import { storeCall } from "./mongo.ts";

/** Limits on failed logins, per username and per client address, within one window. */
export interface ThrottleLimits {
  perUsername: number;
  perClient: number;
  windowMs: number;
}

/** 5 failures per username, or 20 per client address, within 15 minutes. */
export const DEFAULT_LIMITS: ThrottleLimits = Object.freeze({ perUsername: 5, perClient: 20, windowMs: 15 * 60 * 1000 });

interface AttemptDocument {
  /** `user:<name>:<window>` or `client:<address>:<window>`. */
  _id: string;
  failures: number;
  expiresAt: Date;
}

/**
 * Failed-login counters in MongoDB, so they survive cold starts and every function instance shares
 * them. Counters are per fixed window (the window's number is part of the key), so an upsert never
 * meets a stale counter, and a TTL index removes them when their window ends.
 */
export class LoginThrottle {
  readonly #attempts: Collection<AttemptDocument>;
  readonly #limits: ThrottleLimits;
  #indexes: Promise<void> | undefined;

  constructor(db: Db, limits: ThrottleLimits = DEFAULT_LIMITS) {
    this.#attempts = db.collection<AttemptDocument>("login_attempts");
    this.#limits = limits;
  }

  #ensureIndexes(): Promise<void> {
    this.#indexes ??= storeCall(async () => {
      await this.#attempts.createIndex({ expiresAt: 1 }, { name: "expiresAt_ttl", expireAfterSeconds: 0 });
    }).catch((error: unknown) => {
      this.#indexes = undefined;
      throw error;
    });
    return this.#indexes;
  }

  /** Throws 429 `too_many_attempts` with `Retry-After` when either limit is reached; returns the username's failures so far. */
  async check(username: string, client: string, now: Date): Promise<number> {
    await this.#ensureIndexes();
    const keys = this.#keys(username, client, now);
    const counters = await storeCall(() => this.#attempts.find({ _id: { $in: [keys.user, keys.client] } }).toArray());
    const failures = (key: string) => counters.find((counter) => counter._id === key)?.failures ?? 0;
    if (failures(keys.user) >= this.#limits.perUsername || failures(keys.client) >= this.#limits.perClient) {
      const retryAfter = Math.max(1, Math.ceil((keys.windowEnds.getTime() - now.getTime()) / 1000));
      throw new GalletaError("too_many_attempts", `Too many failed log-in attempts. Try again in ${retryAfter} seconds.`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    return failures(keys.user);
  }

  /** Counts one failed attempt against the username and the client address (one round trip). */
  async recordFailure(username: string, client: string, now: Date): Promise<void> {
    await this.#ensureIndexes();
    const keys = this.#keys(username, client, now);
    const update = { $inc: { failures: 1 }, $setOnInsert: { expiresAt: keys.windowEnds } };
    await storeCall(() =>
      this.#attempts.bulkWrite(
        [keys.user, keys.client].map((_id) => ({ updateOne: { filter: { _id }, update, upsert: true } })),
        { ordered: false },
      ),
    );
  }

  /** Forgets the username's failures after a successful login. */
  async reset(username: string, now: Date): Promise<void> {
    await storeCall(() => this.#attempts.deleteOne({ _id: this.#keys(username, "", now).user }));
  }

  #keys(username: string, client: string, now: Date) {
    const window = Math.floor(now.getTime() / this.#limits.windowMs);
    return {
      user: `user:${username}:${window}`,
      client: `client:${client}:${window}`,
      windowEnds: new Date((window + 1) * this.#limits.windowMs),
    };
  }
}
