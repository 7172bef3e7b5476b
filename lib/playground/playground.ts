import type { CookieJar } from "../cookies/cookie-jar.ts";
import { CookieTooLargeError } from "../http/errors.ts";
import { hasBrowserPrefix } from "../cookies/cookie-names.ts";
import { looksSigned } from "../cookies/signing.ts";
import { cacheCookieName } from "../sessions/session-cache.ts";
import { SESSION_COOKIE_NAMES } from "../sessions/sessions.ts";
import { DEVICE_COOKIE_NAMES } from "../accounts/device-cookie.ts";
import { invalid, optionalBoolean, requireObject, requireString } from "../http/validation.ts";

/** The lecture's cookie-parser view of a request: plain cookies, verified signed ones, and names whose signature failed. */
export interface CookieListing {
  cookies: Record<string, string>;
  signedCookies: Record<string, string>;
  invalidSignedCookies: string[];
}

/** A cookie the playground set, as the API reports it. */
export interface PlaygroundCookie {
  name: string;
  signed: boolean;
  httpOnly: boolean;
  maxAge: number | null;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_VALUE_LENGTH = 1024;
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis §5.5). */
const MAX_AGE_MS = 400 * 24 * 60 * 60 * 1000;
/** Cookies that belong to galleta itself: the playground neither lists nor touches them. */
const RESERVED = new Set([...SESSION_COOKIE_NAMES, ...SESSION_COOKIE_NAMES.map(cacheCookieName), ...DEVICE_COOKIE_NAMES]);

/** Splits the request's cookies into plain, signed-and-valid and signed-but-tampered, leaving galleta's own out. */
export function listCookies(jar: CookieJar): CookieListing {
  const listing: CookieListing = { cookies: {}, signedCookies: {}, invalidSignedCookies: [] };
  for (const [name, raw] of Object.entries(jar.all())) {
    if (RESERVED.has(name)) continue;
    if (!looksSigned(raw)) {
      listing.cookies[name] = raw;
      continue;
    }
    const value = jar.getSigned(name, "playground cookies");
    if (value === undefined) listing.invalidSignedCookies.push(name);
    else listing.signedCookies[name] = value;
  }
  return listing;
}

function playgroundName(raw: unknown): string {
  // __Host-, __Secure-, __Http- and __Host-Http- names bind browsers to rules (Secure, no Domain,
  // HttpOnly, set by an HTTP response only) that a browser enforces by silently dropping the cookie,
  // so the playground refuses them rather than pretend to set them; galleta's own HTTPS names are among them.
  if (typeof raw !== "string" || !NAME_PATTERN.test(raw) || RESERVED.has(raw) || hasBrowserPrefix(raw)) {
    throw invalid("name", "Cookie names are 1 to 64 letters, digits, '_' or '-', cannot start with __Host-, __Secure- or __Http-, and cannot be galleta's own (session, cache, device).");
  }
  return raw;
}

/** Sets the cookie described by a JSON body `{ name, value, maxAge?, signed?, httpOnly? }` (maxAge in ms, httpOnly by default). */
export function setPlaygroundCookie(jar: CookieJar, body: unknown): PlaygroundCookie {
  const fields = requireObject(body);
  const name = playgroundName(fields.name);
  const value = requireString(fields, "value");
  if (value.length > MAX_VALUE_LENGTH) throw invalid("value", `Cookie values are at most ${MAX_VALUE_LENGTH} characters here.`);
  const maxAge = fields.maxAge;
  if (maxAge !== undefined && maxAge !== null && (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_AGE_MS)) {
    throw invalid("maxAge", "maxAge is a whole number of milliseconds, from 0 to 400 days.");
  }
  const signed = optionalBoolean(fields, "signed") ?? false;
  const httpOnly = optionalBoolean(fields, "httpOnly") ?? true;
  const lifetime = typeof maxAge === "number" ? maxAge : undefined;
  try {
    jar.set(name, value, { ...(signed ? { signed: "playground cookies" as const } : {}), httpOnly, ...(lifetime === undefined ? {} : { maxAge: lifetime }) });
  } catch (error) {
    // The value is the client's, so an oversized cookie is their input error (400), not ours (500):
    // 1024 characters can percent-encode to 6 KiB and more.
    if (error instanceof CookieTooLargeError) {
      throw invalid("value", "Percent-encoded, that value would make the cookie larger than the 4096 bytes browsers keep. Use a shorter value.");
    }
    throw error;
  }
  return { name, signed, httpOnly, maxAge: lifetime ?? null };
}

/** Clears a playground cookie by name; 400 for a name the playground may not touch. */
export function clearPlaygroundCookie(jar: CookieJar, name: string): void {
  jar.clear(playgroundName(name));
}
