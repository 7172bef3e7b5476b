import { EncryptJWT, jwtDecrypt } from "jose";
import type { CookieJar } from "../cookies/cookie-jar.ts";
import { deriveKey } from "../cookies/keys.ts";
import { CookieTooLargeError } from "../http/errors.ts";
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
  authenticatedAt?: number | null;
  remember?: boolean;
}

/** How many decrypted copies a warm instance remembers, so a copy it has seen is not decrypted again. */
const MEMO_SIZE = 1024;

/**
 * An encrypted, short-lived copy of the session in a cookie beside the session cookie (like
 * better-auth's cookieCache): within its window a read costs no database command. The price is that
 * a revoked session keeps reading as live in the browser that holds the copy until the window ends,
 * so it is off unless SESSION_CACHE_SECONDS is set, and only the plain session read asks for it.
 */
export class SessionCookieCache<Data extends SessionData> {
  readonly #secrets: readonly string[];
  readonly #ttlMs: number;
  /**
   * Cookie value → what it decrypted to and until when it is valid. A hit is as trustworthy as a
   * decryption: the exact ciphertext was authenticated (AES-GCM) when it was first seen, or made
   * here. One per instance of this class, and a new instance comes with any change of secrets.
   */
  readonly #memo = new Map<string, { cached: CachedSession; validUntil: number }>();

  constructor(secrets: readonly string[], ttlMs: number) {
    this.#secrets = secrets;
    this.#ttlMs = ttlMs;
  }

  /** The cached record for `key` if the cookie decrypts with any secret, names that session and is inside its window. */
  async read(jar: CookieJar, cookieName: string, key: string, now: Date): Promise<SessionRecord<Data> | null> {
    const token = jar.get(cacheCookieName(cookieName));
    if (token === undefined) return null;
    const cached = await this.#decrypt(token, now);
    return cached?.key === key ? fromCached<Data>(cached) : null;
  }

  async #decrypt(token: string, now: Date): Promise<CachedSession | undefined> {
    const known = this.#memo.get(token);
    if (known !== undefined) return now.getTime() < known.validUntil ? known.cached : undefined;
    for (const secret of this.#secrets) {
      try {
        const { payload } = await jwtDecrypt<{ s: CachedSession }>(token, await deriveKey(secret, "cookie cache"), {
          currentDate: now,
          // Exactly what `write` produces; nothing else is tried (RFC 8725 §3.1).
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
        });
        this.#remember(token, payload.s, (payload.exp ?? 0) * 1000);
        return payload.s;
      } catch {
        // Another secret's, tampered, or past its window: try the next secret, then fall back to the store.
      }
    }
    return undefined;
  }

  #remember(token: string, cached: CachedSession, validUntil: number): void {
    if (this.#memo.size >= MEMO_SIZE) {
      const oldest = this.#memo.keys().next();
      if (oldest.done !== true) this.#memo.delete(oldest.value);
    }
    this.#memo.set(token, { cached, validUntil });
  }

  /** Queues a fresh copy of the session, valid for the cache window (never beyond the session's own expiry). */
  async write(jar: CookieJar, cookieName: string, record: SessionRecord<Data>, now: Date): Promise<void> {
    const [current] = this.#secrets;
    if (current === undefined) return;
    const until = Math.min(now.getTime() + this.#ttlMs, record.expiresAt.getTime(), record.absoluteExpiresAt.getTime());
    const expiresAt = Math.floor(until / 1000);
    const cached = toCached(record);
    const token = await new EncryptJWT({ s: cached })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(expiresAt)
      .encrypt(await deriveKey(current, "cookie cache"));
    try {
      jar.set(cacheCookieName(cookieName), token, { maxAge: Math.max(0, until - now.getTime()) });
    } catch (error) {
      // A session too big for one cookie (about 2.7 KB of data) is simply not cached: its reads go
      // to the store, rather than every one failing with 500 cookie_too_large.
      if (!(error instanceof CookieTooLargeError)) throw error;
      this.clear(jar, cookieName);
      return;
    }
    this.#remember(token, cached, expiresAt * 1000);
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
    authenticatedAt: record.authenticatedAt?.getTime() ?? null,
  };
}

function fromCached<Data extends SessionData>(cached: CachedSession): SessionRecord<Data> {
  return {
    ...cached,
    // A copy: the decrypted original is remembered and must not change with what a caller does.
    data: structuredClone(cached.data) as Data,
    createdAt: new Date(cached.createdAt),
    lastSeenAt: new Date(cached.lastSeenAt),
    expiresAt: new Date(cached.expiresAt),
    absoluteExpiresAt: new Date(cached.absoluteExpiresAt),
    authenticatedAt: cached.authenticatedAt == null ? null : new Date(cached.authenticatedAt),
  };
}
