import { sign, unsign } from "cookie-signature";
import { purposeKey, type CookiePurpose } from "./keys.ts";

/** The prefix cookie-parser and express-session put before a signed value. */
const SIGNED_PREFIX = "s:";

/** What a signature covers besides the value: the cookie's name, and the purpose whose key signs it. */
export interface SignedCookie {
  name: string;
  purpose: CookiePurpose;
}

/**
 * Signs `value` with the first secret's key for `cookie.purpose`, as `s:<value>.<signature>`
 * (cookie-signature's HMAC-SHA256, base64 without padding). The MAC covers `<name>=<value>`, so a
 * value signed for one cookie never verifies under another name; a name cannot contain `=`.
 */
export function signValue(value: string, secrets: readonly string[], cookie: SignedCookie): string {
  const [current] = secrets;
  if (current === undefined) throw new TypeError("at least one secret is required to sign a cookie");
  const prefix = `${cookie.name}=`;
  return SIGNED_PREFIX + sign(prefix + value, purposeKey(current, cookie.purpose)).slice(prefix.length);
}

/** Whether a raw cookie value claims to be signed (`s:` prefix). */
export function looksSigned(raw: string): boolean {
  return raw.startsWith(SIGNED_PREFIX);
}

/**
 * The value inside a signed cookie if any secret's key for this purpose and name verifies it (so
 * retired secrets still read during a rotation), or `undefined` when it is unsigned, tampered,
 * truncated or signed for another cookie; comparison is constant-time.
 */
export function unsignValue(raw: string, secrets: readonly string[], cookie: SignedCookie): string | undefined {
  if (!looksSigned(raw)) return undefined;
  const signed = raw.slice(SIGNED_PREFIX.length);
  if (!signed.includes(".")) return undefined;
  const prefix = `${cookie.name}=`;
  for (const secret of secrets) {
    const value = unsign(prefix + signed, purposeKey(secret, cookie.purpose));
    if (value !== false) return value.slice(prefix.length);
  }
  return undefined;
}
