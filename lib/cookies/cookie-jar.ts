import { parseCookieHeader, serializeClearCookie, serializeSetCookie, type CookieOptions } from "./cookies.ts";
import type { CookiePurpose } from "./keys.ts";
import { isSecureRequest } from "../http/secure-request.ts";
import { signValue, unsignValue } from "./signing.ts";

/** Options for a cookie set through a jar: CookieOptions plus, to sign it, the purpose whose key signs it. */
export interface JarCookieOptions extends CookieOptions {
  signed?: CookiePurpose;
}

/**
 * One request's cookies: what came in (parsed leniently, signatures checked against every secret)
 * and the `Set-Cookie` values to send back, which are validated as they are added, so a bad cookie
 * throws before any header leaves.
 */
export class CookieJar {
  /** Whether cookies set through this jar get `Secure` (and the session cookie its `__Host-` name). */
  readonly secure: boolean;
  readonly #incoming: Record<string, string>;
  readonly #outgoing: string[] = [];
  readonly #secrets: readonly string[];

  constructor(request: Request, secrets: readonly string[]) {
    this.secure = isSecureRequest(request);
    this.#incoming = parseCookieHeader(request.headers.get("cookie"));
    this.#secrets = secrets;
  }

  /** Every cookie the request carried, raw (signed ones still signed). */
  all(): Readonly<Record<string, string>> {
    return this.#incoming;
  }

  /** A cookie's raw value. */
  get(name: string): string | undefined {
    return this.#incoming[name];
  }

  /** A signed cookie's value if its signature verifies for this name and purpose, else undefined (absent, unsigned, tampered or signed for something else alike). */
  getSigned(name: string, purpose: CookiePurpose): string | undefined {
    const raw = this.#incoming[name];
    return raw === undefined ? undefined : unsignValue(raw, this.#secrets, { name, purpose });
  }

  /** Queues a cookie; `maxAge` in milliseconds. Throws TypeError or CookieTooLargeError right away. */
  set(name: string, value: string, options: JarCookieOptions = {}): void {
    const { signed, ...cookieOptions } = options;
    const stored = signed === undefined ? value : signValue(value, this.#secrets, { name, purpose: signed });
    this.#outgoing.push(serializeSetCookie(name, stored, { secure: this.secure, ...cookieOptions }));
  }

  /**
   * Queues the removal of a cookie (same path and domain as it was set with). Once, however many
   * parts of a request ask for it: an earlier identical removal moves to the end, so whatever the
   * request did last to the cookie is what the browser does last.
   */
  clear(name: string, options: CookieOptions = {}): void {
    const line = serializeClearCookie(name, { secure: this.secure, ...options });
    const earlier = this.#outgoing.indexOf(line);
    if (earlier !== -1) this.#outgoing.splice(earlier, 1);
    this.#outgoing.push(line);
  }

  /** Drops every `Set-Cookie` queued so far: for an answer that must carry only what a failure means (a session that ended clears its cookies). */
  discardQueued(): void {
    this.#outgoing.length = 0;
  }

  /** Appends every queued `Set-Cookie` to `headers` (appended, never set, so each survives). */
  applyTo(headers: Headers): void {
    for (const value of this.#outgoing) headers.append("Set-Cookie", value);
  }
}
