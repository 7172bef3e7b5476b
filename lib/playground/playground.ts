import type { CookieJar } from "../cookies/cookie-jar.ts";
import { CookieTooLargeError } from "../http/errors.ts";
import { looksSigned } from "../cookies/signing.ts";
import { invalid, optionalBoolean, requireObject, requireString } from "../http/validation.ts";

/** The lecture's cookie-parser view of a request's playground cookies: plain ones, verified signed ones, and names whose signature failed. */
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

/**
 * The playground's namespace: it sets, lists and deletes only cookies named `play.<name>`. The
 * browser sends it every cookie of the host and of its parent domain, other apps' HttpOnly ones
 * included; listing those would hand them to page scripts, which is exactly what HttpOnly (and
 * galleta's own `__Host-Http-` names) exist to prevent.
 */
export const PLAYGROUND_PREFIX = "play.";

const NAME_PATTERN = /^play\.[A-Za-z0-9_-]{1,64}$/;
const MAX_VALUE_LENGTH = 1024;
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis §5.5). */
const MAX_AGE_MS = 400 * 24 * 60 * 60 * 1000;

/** Splits the request's playground cookies into plain, signed-and-valid and signed-but-tampered; every other cookie stays out. */
export function listCookies(jar: CookieJar): CookieListing {
  const listing: CookieListing = { cookies: {}, signedCookies: {}, invalidSignedCookies: [] };
  for (const [name, raw] of Object.entries(jar.all())) {
    if (!NAME_PATTERN.test(name)) continue;
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
  // Inside its namespace the playground cannot touch galleta's cookies, nor names under the
  // prefixes browsers enforce (__Host-, __Secure-, __Http-), whose rules it does not follow.
  if (typeof raw !== "string" || !NAME_PATTERN.test(raw)) {
    throw invalid("name", `Playground cookies are named ${PLAYGROUND_PREFIX}<name>, the name 1 to 64 letters, digits, '_' or '-' (e.g. ${PLAYGROUND_PREFIX}theme).`);
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
