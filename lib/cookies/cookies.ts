import { parseCookie, stringifySetCookie, type SetCookie } from "cookie";
import { CookieTooLargeError } from "../http/errors.ts";

/** Attributes of a cookie the server sets; `maxAge` is in milliseconds, as in Express and the lecture notes. */
export interface CookieOptions {
  /** Lifetime in milliseconds; becomes `Max-Age` in whole seconds. Omit for a browser-session cookie. */
  maxAge?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "lax" | "strict" | "none";
  path?: string;
  domain?: string;
}

/** Browsers keep at most 4096 bytes of name, value and attributes per cookie (RFC 6265 §6.1). */
export const MAX_COOKIE_BYTES = 4096;

/** The defaults for every cookie galleta sets; `secure` is decided per request. */
export const COOKIE_DEFAULTS = Object.freeze({ httpOnly: true, sameSite: "lax", path: "/" } as const);

/**
 * Parses a `Cookie` header leniently: malformed and nameless pairs are skipped, bad percent-encoding is kept raw,
 * the first of duplicate names wins (RFC 6265 §5.4 orders the most specific path first), and the
 * result has no prototype so a cookie named `__proto__` is harmless.
 */
export function parseCookieHeader(header: string | null): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  if (header === null || header === "") return cookies;
  for (const [name, value] of Object.entries(parseCookie(header))) {
    if (name !== "" && value !== undefined) cookies[name] = value;
  }
  return cookies;
}

/** Writes one `Set-Cookie` value; throws a TypeError for a bad name or attribute and CookieTooLargeError past 4096 bytes. */
export function serializeSetCookie(name: string, value: string, options: CookieOptions): string {
  const cookie: SetCookie = { name, value, ...COOKIE_DEFAULTS, ...withoutMaxAge(options) };
  if (options.maxAge !== undefined) {
    if (!Number.isFinite(options.maxAge) || options.maxAge < 0) {
      throw new TypeError(`option maxAge is invalid: ${options.maxAge}`);
    }
    cookie.maxAge = Math.floor(options.maxAge / 1000);
  }
  assertPrefixRules(cookie);
  const header = stringifySetCookie(cookie);
  const bytes = Buffer.byteLength(header);
  if (bytes > MAX_COOKIE_BYTES) throw new CookieTooLargeError(name, bytes);
  return header;
}

/**
 * A name prefix binds the browser to rules, and a cookie that breaks them is dropped without a word
 * (RFC 6265bis §4.1.3 for `__Secure-` and `__Host-`; the layered-cookies draft for `__Http-` and
 * `__Host-Http-`): Secure for all four, Path=/ and no Domain for the `__Host-` ones, HttpOnly for the
 * `Http-` ones. Browsers match prefixes case-insensitively, and so does this.
 */
function assertPrefixRules(cookie: SetCookie): void {
  const name = cookie.name.toLowerCase();
  const host = name.startsWith("__host-");
  const http = name.startsWith("__http-") || name.startsWith("__host-http-");
  const needs = (rule: string) => new TypeError(`cookie ${cookie.name} needs ${rule} for its name's prefix`);
  if ((host || http || name.startsWith("__secure-")) && cookie.secure !== true) throw needs("Secure");
  if (host && (cookie.path !== "/" || cookie.domain !== undefined)) throw needs("Path=/ and no Domain");
  if (http && cookie.httpOnly !== true) throw needs("HttpOnly");
}

/** The `Set-Cookie` value that makes the browser forget a cookie: empty, `Max-Age=0`, same path and domain. */
export function serializeClearCookie(name: string, options: CookieOptions): string {
  return serializeSetCookie(name, "", { ...options, maxAge: 0 });
}

function withoutMaxAge(options: CookieOptions): Omit<CookieOptions, "maxAge"> {
  const { maxAge: _ignored, ...rest } = options;
  return rest;
}
