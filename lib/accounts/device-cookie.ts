import { createHash } from "node:crypto";
import type { CookieJar } from "../cookies/cookie-jar.ts";
import { arrivedCookieName, everyOwnCookieName, formerCookieNames, ownCookieName } from "../cookies/cookie-names.ts";
import type { PublicUser } from "./users.ts";

/**
 * OWASP's "device cookie": a browser that has logged in as a user before carries a signed cookie
 * naming that user, and its log-ins are not subject to the per-username limit, so strangers failing
 * from any number of addresses never lock the real user out of their usual browser. It proves only
 * that this browser once knew the password; the (username, network) pair limit still applies, and
 * the cookie itself has a failure counter of its own, so a stolen one is worth a few guesses, not more.
 */

/** A verified device cookie: the user it names, and a handle for its own failure counter. */
export interface DeviceCookie {
  user: PublicUser;
  /** SHA-256 of the cookie's value: names its throttle counter without storing the cookie. */
  handle: string;
}

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis §5.5); a year, renewed at each log-in. */
const LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

/** Every name the device cookie can have (`__Host-Http-device` over HTTPS, like the session cookie's, and `__Host-device` from before issue 15). */
export const DEVICE_COOKIE_NAMES: readonly string[] = everyOwnCookieName("device");

function deviceCookieName(jar: Pick<CookieJar, "secure">): string {
  return ownCookieName("device", jar);
}

/** The user this browser has logged in as, if its device cookie verifies; undefined otherwise. */
export function readDevice(jar: CookieJar): DeviceCookie | undefined {
  // Under its name from before issue 15 too (verified under that name), until the next log-in renames it.
  const name = arrivedCookieName("device", jar) ?? deviceCookieName(jar);
  const value = jar.getSigned(name, "device cookie");
  const match = value === undefined ? null : /^([0-9a-f]{24}):([a-z0-9_.-]{1,64})$/.exec(value);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const handle = createHash("sha256").update(jar.get(name) ?? "").digest("base64url");
  return { user: { id: match[1], username: match[2] }, handle };
}

/** Queues a device cookie bound to `user` (its id and username, under the device purpose key). */
export function rememberDevice(jar: CookieJar, user: PublicUser): void {
  jar.set(deviceCookieName(jar), `${user.id}:${user.username}`, { signed: "device cookie", maxAge: LIFETIME_MS });
  for (const former of formerCookieNames("device", jar)) jar.clear(former);
}
