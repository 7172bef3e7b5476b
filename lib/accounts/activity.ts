import { ObjectId, type Collection, type Db } from "mongodb";
import { networkOf } from "../http/network.ts";
import { indexesOnce, storeCall } from "../runtime/mongo.ts";
import { userAgentOf } from "../http/user-agent.ts";

/** Every kind of security event the activity log records. */
export type ActivityType =
  | "registered"
  | "logged_in"
  | "logged_out"
  | "session_revoked"
  | "signed_out_everywhere_else"
  | "password_changed"
  | "reauthenticated"
  | "session_evicted"
  | "login_failed"
  // Passkeys (issue 16).
  | "passkey_added"
  | "passkey_removed"
  | "passkey_used"
  | "passkey_clone_suspected";

/** The device a request came from, as the activity log shows it: never the full address. */
export interface Device {
  userAgent: string | null;
  /** IPv4 /24 or IPv6 /48, e.g. `203.0.113.0/24`. */
  network: string | null;
}

/** One entry of a user's activity. */
export interface ActivityEvent extends Device {
  type: ActivityType;
  at: Date;
  /** login_failed: failures in its window; signed_out_everywhere_else: sessions revoked. */
  count?: number;
  /** The session the event is about (its public handle). */
  sessionId?: string;
  /** The session that caused it, when another one did (a revocation, an eviction). */
  bySessionId?: string;
  /** logged_in, reauthenticated: how the user proved who they are, when it was not the password. */
  method?: "passkey";
  /** passkey_*, and a passkey log-in or re-authentication: which passkey (its credential id) and its name. */
  passkeyId?: string;
  passkeyName?: string;
}

interface EventDocument extends ActivityEvent {
  _id: ObjectId | string;
  userId: string | null;
  /** Only on login_failed counters, which are recorded before anything knows the user's id. */
  username?: string;
}

/** Events are kept 90 days (a TTL index on `at`). */
export const EVENT_RETENTION_SECONDS = 90 * 24 * 3600;
/** Failed log-ins are counted per account in windows of 15 minutes, one document each. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** GET /api/activity shows the newest 50. */
export const ACTIVITY_LIMIT = 50;

/** The device a request came from: its user agent and its client address's network. */
export function deviceOf(request: Request, clientAddress: string): Device {
  return { userAgent: userAgentOf(request), network: networkOf(clientAddress) };
}

/**
 * The security events of each user (Spring Session's events beside the repository, not inside it),
 * in their own collection: a TTL index forgets them after 90 days, an index on `userId` serves the
 * list. Each write is one command, meant to run in parallel with the request's own database work.
 */
export class ActivityLog {
  readonly #events: Collection<EventDocument>;
  readonly #ensureIndexes: () => Promise<void>;

  constructor(db: Db) {
    this.#events = db.collection<EventDocument>("events");
    this.#ensureIndexes = indexesOnce(this.#events, [
      { name: "at_ttl", key: { at: 1 }, expireAfterSeconds: EVENT_RETENTION_SECONDS },
      { name: "userId_at", key: { userId: 1, at: -1 } },
      // Failed log-in counters carry the username instead.
      { name: "username_at", key: { username: 1, at: -1 } },
    ]);
  }

  /** Records events of one user (one command however many); their ids, for `retract`. */
  async record(userId: string, ...events: ActivityEvent[]): Promise<ObjectId[]> {
    if (events.length === 0) return [];
    await this.#ensureIndexes();
    const documents = events.map((event) => ({ _id: new ObjectId(), userId, ...event }));
    await storeCall(() => this.#events.insertMany(documents, { ordered: false }));
    return documents.map((document) => document._id);
  }

  /** Deletes events recorded in parallel with an action that then turned out not to happen. */
  async retract(ids: readonly ObjectId[]): Promise<void> {
    await storeCall(() => this.#events.deleteMany({ _id: { $in: [...ids] } }));
  }

  /**
   * Adds `step` to a username's failed log-ins: one counter per (username, 15-minute window) moved
   * with `$inc`, never the attempted password. Keyed by the (normalised) username because an attempt
   * is counted before the account's id is known; a success takes its count back with -1.
   */
  async countFailure(username: string, device: Device, at: Date, step: 1 | -1): Promise<void> {
    await this.#ensureIndexes();
    const window = Math.floor(at.getTime() / FAILURE_WINDOW_MS);
    const seen = step > 0 ? { $set: { at, ...device } } : {};
    await storeCall(() =>
      this.#events.updateOne(
        { _id: `failed:${window}:${username}` },
        { $inc: { count: step }, ...seen, $setOnInsert: { type: "login_failed", userId: null, username, ...(step > 0 ? {} : { at, ...device }) } },
        { upsert: true },
      ),
    );
  }

  /** The user's newest events, newest first. */
  async list(userId: string, username: string): Promise<ActivityEvent[]> {
    await this.#ensureIndexes();
    const documents = await storeCall(() =>
      this.#events
        // A window whose attempts all succeeded has a count of 0: nothing failed, nothing to show.
        .find({ $or: [{ userId }, { username, count: { $gt: 0 } }] })
        .sort({ at: -1, _id: -1 })
        .limit(ACTIVITY_LIMIT)
        .toArray(),
    );
    return documents.map(({ _id: _ignored, userId: _user, username: _name, ...event }) => event);
  }

  /**
   * Forgets failed log-ins counted against a username before its account existed (they are kept by
   * name, and a name can be freed by an account's deletion and taken again).
   */
  async forgetFailuresBefore(username: string, at: Date): Promise<void> {
    await this.#ensureIndexes();
    await storeCall(() => this.#events.deleteMany({ username, at: { $lt: at } }));
  }

  /** Deletes every event of a user (account deletion). */
  async forget(userId: string, username: string): Promise<void> {
    await this.#ensureIndexes();
    await storeCall(() => this.#events.deleteMany({ $or: [{ userId }, { username }] }));
  }
}
