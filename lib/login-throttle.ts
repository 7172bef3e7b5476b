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
  /** Attempts in this window not known to have succeeded: failed ones and ones still being checked. */
  attempts: number;
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

  /**
   * Counts an attempt against the username and the client address before the password is checked,
   * and throws 429 `too_many_attempts` with `Retry-After` once either limit is used up. Counting
   * first is what bounds the guesses: reading the counters and recording a failure afterwards let
   * any number of concurrent guesses through on the same count.
   */
  async begin(username: string, client: string, now: Date): Promise<void> {
    await this.#ensureIndexes();
    const keys = this.#keys(username, client, now);
    const count = async (_id: string) => {
      const counter = await storeCall(() =>
        this.#attempts.findOneAndUpdate(
          { _id },
          { $inc: { attempts: 1 }, $setOnInsert: { expiresAt: keys.windowEnds } },
          { upsert: true, returnDocument: "after" },
        ),
      );
      return counter?.attempts ?? 0;
    };
    const [user, address] = await Promise.all([count(keys.user), count(keys.client)]);
    if (user > this.#limits.perUsername || address > this.#limits.perClient) {
      const retryAfter = Math.max(1, Math.ceil((keys.windowEnds.getTime() - now.getTime()) / 1000));
      throw new GalletaError("too_many_attempts", `Too many failed log-in attempts. Try again in ${retryAfter} seconds.`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
  }

  /** After a successful login: forgets the username's failures and takes the attempt back from the client address (one round trip). */
  async succeeded(username: string, client: string, now: Date): Promise<void> {
    const keys = this.#keys(username, client, now);
    await storeCall(() =>
      this.#attempts.bulkWrite(
        [
          { updateOne: { filter: { _id: keys.user }, update: { $set: { attempts: 0 } } } },
          { updateOne: { filter: { _id: keys.client }, update: { $inc: { attempts: -1 } } } },
        ],
        { ordered: false },
      ),
    );
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
