import { sign, unsign } from "cookie-signature";

/** The prefix cookie-parser and express-session put before a signed value. */
const SIGNED_PREFIX = "s:";

/** Signs `value` with the first secret, as `s:<value>.<signature>`. */
export function signValue(value: string, secrets: readonly string[]): string {
  const [current] = secrets;
  if (current === undefined) throw new TypeError("at least one secret is required to sign a cookie");
  return SIGNED_PREFIX + sign(value, current);
}

/** Whether a raw cookie value claims to be signed (`s:` prefix). */
export function looksSigned(raw: string): boolean {
  return raw.startsWith(SIGNED_PREFIX);
}

/**
 * The value inside a signed cookie if any secret verifies it (so retired secrets still read during a
 * rotation), or `undefined` when it is unsigned, tampered or truncated; comparison is constant-time.
 */
export function unsignValue(raw: string, secrets: readonly string[]): string | undefined {
  if (!looksSigned(raw)) return undefined;
  const signed = raw.slice(SIGNED_PREFIX.length);
  if (!signed.includes(".")) return undefined;
  for (const secret of secrets) {
    const value = unsign(signed, secret);
    if (value !== false) return value;
  }
  return undefined;
}
