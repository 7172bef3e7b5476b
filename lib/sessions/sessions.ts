import type { CookieJar } from "../cookies/cookie-jar.ts";
import { arrivedCookieName, formerCookieNames, ownCookieName } from "../cookies/cookie-names.ts";
import { cacheCookieName, type SessionCookieCache } from "./session-cache.ts";
import { isSessionId, newSessionId, sessionKey } from "./session-id.ts";
import {
  effectiveExpiry,
  isLive,
  type SessionChange,
  type SessionData,
  type SessionRecord,
  type SessionStore,
  type SessionTouch,
} from "./session-store.ts";

/** How long sessions live. */
export interface SessionPolicy {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  touchAfterMs: number;
  /** The absolute cap of a session started with `remember: false`; the shorter of it and `absoluteTimeoutMs` applies. */
  shortAbsoluteTimeoutMs?: number;
}

/** What a new session starts with. */
export interface NewSession<Data extends SessionData> {
  userId: string | null;
  data: Data;
  userAgent: string | null;
  /** Whether the user has just proved the password (log-in, register): sets `authenticatedAt` to now. */
  authenticated?: boolean;
  /** False: the cookie ends with the browser and the absolute cap is the short one. Default true. */
  remember?: boolean;
}

/** The session cookie's base name; see cookie-names.ts for what it becomes on each transport. */
const SESSION_COOKIE = "sid";

/** The session cookie's name: `__Host-Http-sid` over HTTPS (set by HTTP responses only, bound to this host), `sid` over plain HTTP. */
export function sessionCookieName(jar: Pick<CookieJar, "secure">): string {
  return ownCookieName(SESSION_COOKIE, jar);
}

/**
 * Sessions over any SessionStore: reads the session named by the signed cookie, creates, changes,
 * regenerates and destroys sessions, and queues the `Set-Cookie` headers each of those needs on the
 * request's CookieJar. Expiry policy lives here once; stores only filter on the dates it writes.
 */
export class SessionManager<Data extends SessionData = SessionData> {
  readonly #store: SessionStore<Data>;
  readonly #policy: SessionPolicy;
  readonly #now: () => Date;
  readonly #cache: SessionCookieCache<Data> | undefined;
  /** The raw id behind each record this manager returned, so it can re-send the cookie; never stored. */
  readonly #ids = new WeakMap<SessionRecord<Data>, string>();

  constructor(
    store: SessionStore<Data>,
    policy: SessionPolicy,
    options: { now?: () => Date; cache?: SessionCookieCache<Data> | undefined } = {},
  ) {
    this.#store = store;
    this.#policy = policy;
    this.#now = options.now ?? (() => new Date());
    this.#cache = options.cache;
  }

  /**
   * The live session named by the request's signed cookie, or null; clears a cookie that names no
   * live session. It reads the store unless the caller passes `cached: true`: a cached copy outlives
   * a logout or revocation by its window, so only the plain session read may take it (issue 15),
   * and a route that forgets to choose sees a logout at once.
   */
  async read(jar: CookieJar, options: { cached?: boolean } = {}): Promise<SessionRecord<Data> | null> {
    const cookie = this.#cookieSession(jar);
    if (cookie === undefined) return null;
    const now = this.#now();
    // A cookie under its old name is read from the store once, so its answer can re-set it under
    // the new name with the right lifetime; the old name's cached copy is dropped with it.
    const cached = cookie.key === undefined || options.cached !== true || cookie.renamed ? null : await this.#cache?.read(jar, cookie.name, cookie.key, now);
    if (cookie.id !== undefined && cached != null && isLive(cached, now) && !this.#dueForTouch(cached, now)) {
      this.#ids.set(cached, cookie.id);
      this.#dropFormerNames(jar);
      return cached;
    }
    const record = cookie.key === undefined ? null : await this.#store.get(cookie.key, now);
    if (cookie.id === undefined || record === null) return this.#forget(jar);
    this.#ids.set(record, cookie.id);
    const touched = await this.#touchLazily(cookie.renamed ? undefined : jar, record, now);
    // The rename (issue 15): one Set-Cookie under the new name, on the first response after it.
    if (cookie.renamed) this.#sendCookie(jar, cookie.id, touched, now);
    else this.#dropFormerNames(jar);
    // Only the read that takes the copy refreshes it: the others would pay for encrypting a copy
    // they never use, and one that then logs out would leave the browser a copy without its cookie.
    if (options.cached === true) await this.#cache?.write(jar, sessionCookieName(jar), touched, now);
    return touched;
  }

  /**
   * Applies field changes to the session the request's cookie names without reading it first, so a
   * write costs one store call, and drops the cached copy (the next read refreshes it); null (and the cookie cleared) when it names no live session. The
   * idle expiry moves to now + idle timeout: it may pass the absolute cap in the document, which
   * is harmless, as every read filters on both and `effectiveExpiry` takes the earlier.
   */
  async updateFromCookie(jar: CookieJar, change: SessionChange): Promise<SessionRecord<Data> | null> {
    const cookie = this.#cookieSession(jar);
    if (cookie === undefined) return null;
    const now = this.#now();
    const touch = { lastSeenAt: now, expiresAt: new Date(now.getTime() + this.#policy.idleTimeoutMs) };
    const updated = cookie.key === undefined ? null : await this.#store.update(cookie.key, change, touch, now);
    if (cookie.id === undefined || updated === null) return this.#forget(jar);
    this.#ids.set(updated, cookie.id);
    this.#sendCookie(jar, cookie.id, updated, now);
    this.#cache?.clear(jar, sessionCookieName(jar));
    return updated;
  }

  /** The live session with this key (the public handle a token carries), or null. */
  async readByKey(key: string): Promise<SessionRecord<Data> | null> {
    const now = this.#now();
    const record = await this.#store.get(key, now);
    return record === null ? null : this.#touchLazily(undefined, record, now);
  }

  /** Starts a new session and queues its cookie (no cookie without a jar: a session for an API client's token). */
  async create(jar: CookieJar | undefined, init: NewSession<Data>): Promise<SessionRecord<Data>> {
    const now = this.#now();
    const id = newSessionId();
    const remember = init.remember ?? true;
    const absoluteMs = remember
      ? this.#policy.absoluteTimeoutMs
      : Math.min(this.#policy.absoluteTimeoutMs, this.#policy.shortAbsoluteTimeoutMs ?? this.#policy.absoluteTimeoutMs);
    const absoluteExpiresAt = new Date(now.getTime() + absoluteMs);
    const record: SessionRecord<Data> = {
      key: sessionKey(id),
      userId: init.userId,
      data: init.data,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: this.#idleExpiry(now, absoluteExpiresAt),
      absoluteExpiresAt,
      userAgent: init.userAgent,
      authenticatedAt: init.authenticated === true ? now : null,
      remember,
    };
    await this.#store.create(record);
    this.#ids.set(record, id);
    if (jar !== undefined) {
      this.#sendCookie(jar, id, record, now);
      await this.#cache?.write(jar, sessionCookieName(jar), record, now);
    }
    return record;
  }

  /**
   * Applies field changes atomically and extends the idle expiry; null if the session ended
   * meanwhile. A write drops the cached copy rather than encrypting a new one: cheaper, and with
   * concurrent writes no reply can leave the browser an older copy than another's.
   */
  async update(jar: CookieJar | undefined, session: SessionRecord<Data>, change: SessionChange): Promise<SessionRecord<Data> | null> {
    const now = this.#now();
    const updated = await this.#store.update(session.key, change, this.#nextTouch(session, now), now);
    if (updated === null) return null;
    const id = this.#ids.get(session);
    if (id !== undefined) {
      this.#ids.set(updated, id);
      if (jar !== undefined && this.#dueForTouch(session, now)) this.#sendCookie(jar, id, updated, now);
    }
    if (jar !== undefined) this.#cache?.clear(jar, sessionCookieName(jar));
    return updated;
  }

  /**
   * Replaces the session with one under a new id, keeping its data, and deletes the old one: call it
   * on every login so an id planted before login (session fixation) is worthless after it.
   */
  async regenerate(jar: CookieJar, session: SessionRecord<Data> | null, init: NewSession<Data>): Promise<SessionRecord<Data>> {
    // Data carries over from an anonymous session or the same user's, never from another user's.
    const carries = session !== null && (session.userId === null || session.userId === init.userId);
    const data = carries ? { ...session.data, ...init.data } : init.data;
    // Independent writes, so one round trip: the old id is worthless once either has landed.
    const [created] = await Promise.all([this.create(jar, { ...init, data }), session === null ? false : this.#store.destroy(session.key)]);
    return created;
  }

  /** Deletes the session server-side and clears the cookie. */
  async destroy(jar: CookieJar | undefined, session: SessionRecord<Data>): Promise<void> {
    await this.#store.destroy(session.key);
    if (jar !== undefined) this.clearCookie(jar);
  }

  /** Clears the session cookie (and its cached copy) without touching the store: for a session already deleted. */
  clearCookie(jar: CookieJar): void {
    this.#forget(jar);
  }

  /** The live sessions of one user, most recently used first. */
  listForUser(userId: string): Promise<SessionRecord<Data>[]> {
    return this.#store.listByUser(userId, this.#now());
  }

  /** Deletes one of a user's live sessions by key; false if no such live session is theirs. */
  destroyForUser(userId: string, key: string): Promise<boolean> {
    return this.#store.destroy(key, { userId, now: this.#now() });
  }

  /** Deletes every session of a user but `exceptKey` ("log out everywhere else"). */
  destroyAllForUser(userId: string, exceptKey?: string): Promise<number> {
    return this.#store.destroyByUser(userId, exceptKey);
  }

  /**
   * Records that the user has just proved the password in this session, and drops its cached copy
   * (which still shows the old time); null if the session ended meanwhile.
   */
  async markAuthenticated(jar: CookieJar, session: SessionRecord<Data>): Promise<SessionRecord<Data> | null> {
    const now = this.#now();
    const updated = await this.#store.authenticate(session.key, now, now);
    const id = this.#ids.get(session);
    if (updated !== null && id !== undefined) this.#ids.set(updated, id);
    this.#cache?.clear(jar, sessionCookieName(jar));
    return updated;
  }

  /**
   * Enforces a cap on the user's live sessions: finds those beyond `cap` by least recent use (never
   * `keep`, the one just created) and deletes them, running `alongside` with the delete so whatever
   * it records costs no extra round trip. The keys it deleted (usually none, and then one query).
   */
  async evictBeyondCap(userId: string, cap: number, keep: SessionRecord<Data>, alongside: (keys: string[]) => Promise<unknown>): Promise<string[]> {
    const keys = await this.#store.findBeyond(userId, cap, keep.key, this.#now());
    if (keys.length > 0) await Promise.all([this.#store.destroyMany(keys), alongside(keys)]);
    return keys;
  }

  /**
   * The name the session cookie arrived under, its verified id and key, and whether that name is
   * the one from before issue 15 (`renamed`: the response must set it anew); undefined when the
   * request has no session cookie. The signature is checked under the name it arrived with, as
   * its MAC covers the name.
   */
  #cookieSession(jar: CookieJar): { name: string; renamed: boolean; id: string | undefined; key: string | undefined } | undefined {
    const name = arrivedCookieName(SESSION_COOKIE, jar);
    if (name === undefined) return undefined;
    const renamed = name !== sessionCookieName(jar);
    const id = jar.getSigned(name, "session cookie");
    // Ids are checked for shape before any storage is touched.
    return id !== undefined && isSessionId(id) ? { name, renamed, id, key: sessionKey(id) } : { name, renamed, id: undefined, key: undefined };
  }

  /** Clears the session cookie and its cached copy under every name the request carries them, so the browser stops sending them. */
  #forget(jar: CookieJar): null {
    jar.clear(sessionCookieName(jar));
    this.#cache?.clear(jar, sessionCookieName(jar));
    this.#dropFormerNames(jar);
    return null;
  }

  /**
   * Clears the session cookie and its cached copy under their names from before issue 15, where the
   * request still carries them (the copy even with the cache now off: it would linger otherwise).
   */
  #dropFormerNames(jar: CookieJar): void {
    for (const base of [SESSION_COOKIE, cacheCookieName(SESSION_COOKIE)]) {
      for (const name of formerCookieNames(base, jar)) jar.clear(name);
    }
  }

  async #touchLazily(jar: CookieJar | undefined, record: SessionRecord<Data>, now: Date): Promise<SessionRecord<Data>> {
    if (!this.#dueForTouch(record, now)) return record;
    const touch = this.#nextTouch(record, now);
    await this.#store.touch(record.key, touch, now);
    const touched = { ...record, ...touch };
    const id = this.#ids.get(record);
    if (id !== undefined) {
      this.#ids.set(touched, id);
      if (jar !== undefined) this.#sendCookie(jar, id, touched, now);
    }
    return touched;
  }

  #dueForTouch(record: SessionRecord<Data>, now: Date): boolean {
    return now.getTime() - record.lastSeenAt.getTime() >= this.#policy.touchAfterMs;
  }

  #nextTouch(record: Pick<SessionRecord, "absoluteExpiresAt">, now: Date): SessionTouch {
    return { lastSeenAt: now, expiresAt: this.#idleExpiry(now, record.absoluteExpiresAt) };
  }

  #idleExpiry(now: Date, absoluteExpiresAt: Date): Date {
    const idle = new Date(now.getTime() + this.#policy.idleTimeoutMs);
    return idle < absoluteExpiresAt ? idle : absoluteExpiresAt;
  }

  /** The cookie lives slightly less than the server-side session, so the browser lets go first. */
  #sendCookie(jar: CookieJar, id: string, record: SessionRecord<Data>, now: Date): void {
    const remaining = effectiveExpiry(record).getTime() - now.getTime();
    const margin = Math.min(60_000, remaining / 10);
    // Without "remember me" no Max-Age: a session cookie, which the browser drops when it closes.
    const maxAge = record.remember === false ? undefined : Math.max(0, remaining - margin);
    jar.set(sessionCookieName(jar), id, { signed: "session cookie", ...(maxAge === undefined ? {} : { maxAge }) });
    this.#dropFormerNames(jar);
  }
}
