import { randomUUID } from "node:crypto";
import type { Collection, Db } from "mongodb";
import { GalletaError } from "../http/errors.ts";
import { storeCall } from "../runtime/mongo.ts";

/** Limits on failed logins, per username and per client address, within one window. */
export interface ThrottleLimits {
  perUsername: number;
  perClient: number;
  windowMs: number;
}

/** 5 failures per username, or 20 per client address, within 15 minutes. */
export const DEFAULT_LIMITS: ThrottleLimits = Object.freeze({ perUsername: 5, perClient: 20, windowMs: 15 * 60 * 1000 });

/** One attempt: its id (so a success can take exactly it back) and when it was made. */
interface Attempt {
  id: string;
  at: Date;
}

interface AttemptDocument {
  /** `user:<name>` or `client:<address>`. */
  _id: string;
  /** The most recent attempts (at most limit + 1), oldest first: failed ones and ones still being checked. */
  attempts: Attempt[];
  /** When the newest attempt leaves the window: the TTL index removes the counter then. */
  expiresAt: Date;
}

/**
 * Failed-login counters in MongoDB, so they survive cold starts and every function instance shares
 * them. Each counter keeps the times of its last few attempts, so "5 failures within 15 minutes"
 * is counted back from now (a sliding window): a clock-aligned window would allow 10 guesses in a
 * few seconds across its boundary. A TTL index removes a counter once its newest attempt is old.
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
   * and throws 429 `too_many_attempts` with `Retry-After` once either limit is used up (taking the
   * refused attempt back, as it checked nothing). Counting first is what bounds the guesses: reading
   * the counters and recording a failure afterwards let any number of concurrent guesses through on
   * the same count. Returns the attempt's id for `succeeded`.
   */
  async begin(username: string, client: string, now: Date): Promise<string> {
    await this.#ensureIndexes();
    const attempt: Attempt = { id: randomUUID(), at: now };
    const keys = this.#keys(username, client);
    const [userRetry, clientRetry] = await Promise.all([
      this.#count(keys.user, attempt, this.#limits.perUsername),
      this.#count(keys.client, attempt, this.#limits.perClient),
    ]);
    const retryAt = Math.max(userRetry ?? 0, clientRetry ?? 0);
    if (retryAt > 0) {
      await this.#takeBack(attempt, [keys.user, keys.client]);
      const retryAfter = Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000));
      throw new GalletaError("too_many_attempts", `Too many failed log-in attempts. Try again in ${retryAfter} seconds.`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    return attempt.id;
  }

  /** After a successful login: forgets the username's failures and takes the attempt back from the client address (one round trip). */
  async succeeded(username: string, client: string, attemptId: string): Promise<void> {
    const keys = this.#keys(username, client);
    await storeCall(() =>
      this.#attempts.bulkWrite(
        [
          { updateOne: { filter: { _id: keys.user }, update: { $set: { attempts: [] } } } },
          { updateOne: { filter: { _id: keys.client }, update: { $pull: { attempts: { id: attemptId } } } } },
        ],
        { ordered: false },
      ),
    );
  }

  /** Forgets the username's counter (issue 12's account deletion). */
  async forget(username: string): Promise<void> {
    await storeCall(() => this.#attempts.deleteOne({ _id: this.#keys(username, "").user }));
  }

  /** Records the attempt under `key`; the time from which another would be allowed if this one is over the limit, else undefined. */
  async #count(key: string, attempt: Attempt, limit: number): Promise<number | undefined> {
    const { windowMs } = this.#limits;
    const counter = await storeCall(() =>
      this.#attempts.findOneAndUpdate(
        { _id: key },
        {
          $push: { attempts: { $each: [attempt], $slice: -(limit + 1) } },
          $set: { expiresAt: new Date(attempt.at.getTime() + windowMs) },
        },
        { upsert: true, returnDocument: "after" },
      ),
    );
    const since = attempt.at.getTime() - windowMs;
    const recent = (counter?.attempts ?? []).map((each) => each.at.getTime()).filter((at) => at > since).sort((a, b) => a - b);
    if (recent.length <= limit) return undefined;
    // Allowed again once only limit - 1 of the others remain in the window.
    return (recent[recent.length - limit] ?? attempt.at.getTime()) + windowMs;
  }

  async #takeBack(attempt: Attempt, keys: string[]): Promise<void> {
    await storeCall(() =>
      this.#attempts.bulkWrite(
        keys.map((_id) => ({ updateOne: { filter: { _id }, update: { $pull: { attempts: { id: attempt.id } } } } })),
        { ordered: false },
      ),
    );
  }

  #keys(username: string, client: string) {
    return { user: `user:${username}`, client: `client:${client}` };
  }
}
