import { createHash, randomBytes } from "node:crypto";
import type { CookieJar } from "../cookies/cookie-jar.ts";
import { arrivedCookieName, everyOwnCookieName, formerCookieNames, ownCookieName } from "../cookies/cookie-names.ts";
import type { PublicUser, UserCredentials } from "./users.ts";

/**
 * OWASP's "device cookie" (Slow Brute Force Protection with Device Cookies): each browser that has
 * proved a user's password carries a signed cookie naming that user and a random identifier of its
 * own. A log-in from it is counted under that identifier alone (5 failures per window), not under
 * the username, the network or their pair, so strangers failing from any address, even the
 * browser's own, never lock it out (issue 15). It is bound to the user's id and password version,
 * so a password change or the account's deletion makes every copy worthless, and checking that costs
 * nothing: the log-in reads both with the password hash.
 */

/** A device cookie whose signature verifies: whom it was issued to, and its own counter's handle. */
export interface DeviceCookie {
  userId: string;
  username: string;
  /** The password version it was issued under: a password change retires it. */
  passwordVersion: number;
  /** SHA-256 of the browser's random identifier: names its failure counter without storing the identifier. */
  handle: string;
}

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis §5.5); a year, renewed at each log-in. */
const LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

/** 128 random bits, base64url: no browser can guess another's counter. */
const ID_BYTES = 16;

const VALUE = /^([0-9a-f]{24}):(\d{1,15}):([A-Za-z0-9_-]{22}):([a-z0-9_.-]{1,64})$/;

/** Every name the device cookie can have (`__Host-Http-device` over HTTPS, like the session cookie's, and `__Host-device` from before issue 15). */
export const DEVICE_COOKIE_NAMES: readonly string[] = everyOwnCookieName("device");

/** The device cookie's name for this request: the one place that chooses it. */
function deviceCookieName(jar: Pick<CookieJar, "secure">): string {
  return ownCookieName("device", jar);
}

/** The browser's device cookie if its signature verifies, undefined otherwise (absent, tampered, or of the old format alike). */
export function readDevice(jar: CookieJar): DeviceCookie | undefined {
  // Under its name from before issue 15 too (verified under that name), until the next log-in renames it.
  const value = jar.getSigned(arrivedCookieName("device", jar) ?? deviceCookieName(jar), "device cookie");
  const match = value === undefined ? null : VALUE.exec(value);
  if (match === null) return undefined;
  const [, userId = "", version = "", id = "", username = ""] = match;
  return { userId, username, passwordVersion: Number(version), handle: createHash("sha256").update(id).digest("base64url") };
}

/** Whether a device cookie is still worth anything for this account: same user (not an earlier one of that name), same password. */
export function isDeviceOf(device: DeviceCookie, account: UserCredentials): boolean {
  return device.userId === account.id && device.passwordVersion === account.passwordVersion;
}

/**
 * Queues a new device cookie for `user` under `passwordVersion`, with a fresh random identifier (so
 * a fresh failure counter): OWASP issues a new one at each successful authentication. Its former
 * names are cleared, so the browser keeps one.
 */
export function rememberDevice(jar: CookieJar, user: PublicUser, passwordVersion: number): void {
  const id = randomBytes(ID_BYTES).toString("base64url");
  jar.set(deviceCookieName(jar), `${user.id}:${passwordVersion}:${id}:${user.username}`, { signed: "device cookie", maxAge: LIFETIME_MS });
  for (const former of formerCookieNames("device", jar)) jar.clear(former);
}
