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
  | "passkey_renamed"
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
  /** passkey_renamed: the name it had before (`passkeyName` is the new one). */
  previousName?: string;
}

interface EventDocument extends ActivityEvent {
  /** An ObjectId, or `failed:<window>:<userId>` for a failed log-in counter. */
  _id: ObjectId | string;
  /** null only on failed log-in counters kept by username before issue 15, until the TTL index removes them. */
  userId: string | null;
  /** Only on those older counters. */
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
   * Counts a failed log-in against an account: one counter per (account, 15-minute window) moved with
   * `$inc`, never the attempted password. Only accounts that exist have one, under their id, so a
   * username that does not exist costs nothing here and a later account of that name inherits nothing
   * (issue 15). For a name with no account (`null`) it reads instead, a round trip as long as the
   * write, so that a wrong password answers no sooner for an unknown name than for an account.
   */
  async countFailure(userId: string | null, device: Device, at: Date): Promise<void> {
    await this.#ensureIndexes();
    const window = Math.floor(at.getTime() / FAILURE_WINDOW_MS);
    if (userId === null) {
      await storeCall(() => this.#events.findOne({ _id: `failed:${window}:` }, { projection: { _id: 1 } }));
      return;
    }
    await storeCall(() =>
      this.#events.updateOne(
        { _id: `failed:${window}:${userId}` },
        { $inc: { count: 1 }, $set: { at, ...device }, $setOnInsert: { type: "login_failed", userId } },
        { upsert: true },
      ),
    );
  }

  /** The user's newest events, newest first. */
  async list(userId: string): Promise<ActivityEvent[]> {
    await this.#ensureIndexes();
    const documents = await storeCall(() =>
      this.#events
        .find({ userId })
        .sort({ at: -1, _id: -1 })
        .limit(ACTIVITY_LIMIT)
        .toArray(),
    );
    return documents.map(({ _id: _ignored, userId: _user, username: _name, ...event }) => event);
  }

  /**
   * Deletes every event of a user (account deletion). Failed log-ins counted by name before issue 15
   * are left to the TTL index: no account reads them any more, and finding them by name would scan
   * the whole collection (nothing indexes `username` now).
   */
  async forget(userId: string): Promise<void> {
    await this.#ensureIndexes();
    await storeCall(() => this.#events.deleteMany({ userId }));
  }
}
