/** What a session may hold: plain JSON-like fields, changed one by one. */
export type SessionData = Record<string, unknown>;

/** One session as a store keeps it. */
export interface SessionRecord<Data extends SessionData = SessionData> {
  /** The SHA-256 of the session id (hex), never the id itself. */
  key: string;
  userId: string | null;
  data: Data;
  createdAt: Date;
  lastSeenAt: Date;
  /** Idle expiry: moves forward as the session is used. */
  expiresAt: Date;
  /** The cap after which the user must log in again, however active. */
  absoluteExpiresAt: Date;
  userAgent: string | null;
  /** When the user last proved the password in this session (log-in, register, re-authentication); null if never. */
  authenticatedAt?: Date | null;
  /** False for a session that ends with the browser ("remember me" unticked); absent means true. */
  remember?: boolean;
}

/**
 * Field-level changes, applied atomically by the store so concurrent requests on one session never
 * lose each other's writes (no read-modify-write of the whole object).
 */
export interface SessionChange {
  set?: Readonly<Record<string, unknown>>;
  unset?: readonly string[];
  inc?: Readonly<Record<string, number>>;
}

/** New values for the two timestamps that move when a session is used. */
export interface SessionTouch {
  lastSeenAt: Date;
  expiresAt: Date;
}

/** Who must own a session for a revocation to touch it, and when it must still be live. */
export interface SessionOwner {
  userId: string;
  now: Date;
}

/** Counts for the storage page: live sessions and how many expire in each coming bucket. */
export interface SessionStats {
  active: number;
  /** counts[i] = sessions whose expiry falls in (from + i·bucket, from + (i+1)·bucket]. */
  expiryCounts: number[];
}

/**
 * The storage contract every backend implements: a handful of operations on records keyed by the
 * hashed id. Everything about cookies, ids and expiry policy lives once, above it, in SessionManager.
 * Every read filters on both expiries, so an expired session is never returned, whether or not a
 * TTL monitor has removed it yet.
 */
export interface SessionStore<Data extends SessionData = SessionData> {
  /** Stores a new session. */
  create(record: SessionRecord<Data>): Promise<void>;
  /** The session under `key` if it is live at `now`, else null. */
  get(key: string, now: Date): Promise<SessionRecord<Data> | null>;
  /** Applies `change` and `touch` atomically to a live session; returns it afterwards, or null if gone. */
  update(key: string, change: SessionChange, touch: SessionTouch, now: Date): Promise<SessionRecord<Data> | null>;
  /** Moves a live session's timestamps forward without reading it back. */
  touch(key: string, touch: SessionTouch, now: Date): Promise<void>;
  /** Deletes a session; with an owner, only if it is that user's and live at `now`. Whether one was deleted. */
  destroy(key: string, owner?: SessionOwner): Promise<boolean>;
  /** The live sessions of one user, most recently used first. */
  listByUser(userId: string, now: Date): Promise<SessionRecord<Data>[]>;
  /** Deletes every session of one user except `exceptKey`; how many were deleted. */
  destroyByUser(userId: string, exceptKey?: string): Promise<number>;
  /** Records that the user proved the password at `at` in a live session; the session afterwards, or null if gone. */
  authenticate(key: string, at: Date, now: Date): Promise<SessionRecord<Data> | null>;
  /**
   * The keys of the user's live sessions beyond the `keep` most recently used, never `keepKey` (the
   * one just created, which counts among the kept): what the session cap must delete.
   */
  findBeyond(userId: string, keep: number, keepKey: string, now: Date): Promise<string[]>;
  /** Deletes these sessions; how many were deleted. */
  destroyMany(keys: readonly string[]): Promise<number>;
  /** Live-session counts bucketed by expiry, for the storage page. */
  stats(now: Date, bucketMs: number, buckets: number): Promise<SessionStats>;
}

/** The effective expiry of a session: whichever of the idle and absolute expiries comes first. */
export function effectiveExpiry(record: Pick<SessionRecord, "expiresAt" | "absoluteExpiresAt">): Date {
  return record.expiresAt <= record.absoluteExpiresAt ? record.expiresAt : record.absoluteExpiresAt;
}

/** Whether a record is live at `now`. */
export function isLive(record: Pick<SessionRecord, "expiresAt" | "absoluteExpiresAt">, now: Date): boolean {
  return effectiveExpiry(record) > now;
}

const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Refuses a data field name that could reach outside `data` in a MongoDB update (`.`, `$`) or pollute a prototype. */
export function assertFieldName(name: string): void {
  if (!FIELD_PATTERN.test(name) || name === "__proto__") {
    throw new TypeError(`session field name is invalid: use letters, digits and _ (got ${JSON.stringify(name.slice(0, 64))})`);
  }
}

/**
 * Refuses a change whose field names are invalid or that names one field in more than one of
 * set, unset and inc: MongoDB refuses such an update (40 ConflictingUpdateOperators), so every store
 * refuses it the same way before touching anything.
 */
export function assertChange(change: SessionChange): void {
  const fields = [...Object.keys(change.set ?? {}), ...(change.unset ?? []), ...Object.keys(change.inc ?? {})];
  fields.forEach(assertFieldName);
  const repeated = fields.find((field, index) => fields.indexOf(field) !== index);
  if (repeated !== undefined) throw new TypeError(`session field ${repeated} is changed twice in one update: set, unset or increment it once`);
}
