import { EncryptJWT, jwtDecrypt } from "jose";
import type { CookieJar } from "./cookie-jar.ts";
import { deriveKey } from "./keys.ts";
import type { SessionData, SessionRecord } from "./session-store.ts";

/** The cache cookie's name, beside the session cookie's. */
export function cacheCookieName(sessionCookie: string): string {
  return `${sessionCookie}.cache`;
}

interface CachedSession {
  key: string;
  userId: string | null;
  data: SessionData;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  absoluteExpiresAt: number;
  userAgent: string | null;
}

/**
 * An encrypted, short-lived copy of the session in a cookie beside the session cookie (like
 * better-auth's cookieCache): within its window a read costs no database command. The price is that
 * a revoked session keeps reading as live in the browser that holds the copy until the window ends,
 * so it is off unless SESSION_CACHE_SECONDS is set.
 */
export class SessionCookieCache<Data extends SessionData> {
  readonly #secrets: readonly string[];
  readonly #ttlMs: number;

  constructor(secrets: readonly string[], ttlMs: number) {
    this.#secrets = secrets;
    this.#ttlMs = ttlMs;
  }

  /** The cached record for `key` if the cookie decrypts with any secret, names that session and is inside its window. */
  async read(jar: CookieJar, cookieName: string, key: string, now: Date): Promise<SessionRecord<Data> | null> {
    const token = jar.get(cacheCookieName(cookieName));
    if (token === undefined) return null;
    for (const secret of this.#secrets) {
      try {
        const { payload } = await jwtDecrypt<{ s: CachedSession }>(token, await deriveKey(secret, "A256GCM"), { currentDate: now });
        const cached = payload.s;
        return cached.key === key ? fromCached<Data>(cached) : null;
      } catch {
        // Another secret's, tampered, or past its window: try the next secret, then fall back to the store.
      }
    }
    return null;
  }

  /** Queues a fresh copy of the session, valid for the cache window (never beyond the session's own expiry). */
  async write(jar: CookieJar, cookieName: string, record: SessionRecord<Data>, now: Date): Promise<void> {
    const [current] = this.#secrets;
    if (current === undefined) return;
    const until = Math.min(now.getTime() + this.#ttlMs, record.expiresAt.getTime(), record.absoluteExpiresAt.getTime());
    const token = await new EncryptJWT({ s: toCached(record) })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(until / 1000))
      .encrypt(await deriveKey(current, "A256GCM"));
    jar.set(cacheCookieName(cookieName), token, { maxAge: Math.max(0, until - now.getTime()) });
  }

  /** Queues the removal of the cached copy. */
  clear(jar: CookieJar, cookieName: string): void {
    if (jar.get(cacheCookieName(cookieName)) !== undefined) jar.clear(cacheCookieName(cookieName));
  }
}

function toCached(record: SessionRecord): CachedSession {
  return {
    ...record,
    createdAt: record.createdAt.getTime(),
    lastSeenAt: record.lastSeenAt.getTime(),
    expiresAt: record.expiresAt.getTime(),
    absoluteExpiresAt: record.absoluteExpiresAt.getTime(),
  };
}

function fromCached<Data extends SessionData>(cached: CachedSession): SessionRecord<Data> {
  return {
    ...cached,
    data: cached.data as Data,
    createdAt: new Date(cached.createdAt),
    lastSeenAt: new Date(cached.lastSeenAt),
    expiresAt: new Date(cached.expiresAt),
    absoluteExpiresAt: new Date(cached.absoluteExpiresAt),
  };
}
