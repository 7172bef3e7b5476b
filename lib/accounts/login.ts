import type { CookieJar } from "../cookies/cookie-jar.ts";
import { afterResponse } from "../http/after-response.ts";
import { clientNetwork } from "../http/network.ts";
import { GalletaError } from "../http/errors.ts";
import type { Services } from "./app-services.ts";
import type { Device } from "./activity.ts";
import { isDeviceOf, readDevice } from "./device-cookie.ts";
import { accountCounter, deviceCounter, loginCounters, siteCounter, type Counter, type Reservation } from "./login-throttle.ts";
import { decoyHash, needsRehash, passwordCost, verifyPassword } from "./passwords.ts";
import type { PasswordProof, PublicUser } from "./users.ts";
import { requireObject, requireString } from "../http/validation.ts";

/** Username and password from a JSON body; 400 `invalid_input` if either is missing. */
export function readCredentials(body: unknown): { username: string; password: string } {
  const fields = requireObject(body);
  return { username: requireString(fields, "username"), password: requireString(fields, "password") };
}

/** What a log-in may use besides the credentials. */
export interface LogInOptions {
  /** The browser's cookies: a valid device cookie for this user is counted under the account's own counters instead of the stranger ones. */
  jar?: CookieJar | undefined;
  /** The password hashes the request costs if the check passes: 2 for a password change (the check, then the new hash). */
  hashes?: number;
}

/** The username as the throttle and the user lookup key it: trimmed, lower-cased, at most 64 characters. */
export function loginName(rawUsername: string): string {
  return rawUsername.trim().toLowerCase().slice(0, 64);
}

/**
 * The one throttled password check: 429 `too_many_attempts` when this attempt does not fit under its
 * counters, 401 `invalid_credentials` for a wrong username or password alike. Every check counts,
 * whatever its outcome. A browser whose device cookie is still valid for this user is counted under
 * that cookie's failures and the account's own counter (`accountCounter`); any other attempt under
 * the (username, network) pair's failures, every check of the network and of the username, and the
 * site-wide ceiling on hashes. A success clears the browser's failures (the pair's, or the device
 * cookie's) and keeps its slot everywhere else.
 *
 * `then` (e.g. starting the session) runs in parallel with the throttle's bookkeeping, so a log-in
 * costs two sequential database round trips: the reservation with the user lookup, then `then` with
 * the bookkeeping (and, once, the upgrade of an old password hash). A failure answers after the
 * first: its count in the account's activity log is written after the response
 * (`afterResponse`), so that nothing on the answer's path tells an account from a made-up name. A
 * device cookie for this username that the account then refuses (an old password's, an earlier
 * account's) costs one more, to count the attempt as a browser without one.
 */
export async function logInThen<T>(
  app: Services,
  rawUsername: string,
  password: string,
  client: string,
  device: Device,
  now: Date,
  options: LogInOptions & { then: (user: PublicUser, proof: PasswordProof) => Promise<T> },
): Promise<{ user: PublicUser; result: T }> {
  const username = loginName(rawUsername);
  const limits = app.config.loginLimits;
  const hashes = options.hashes ?? 1;
  const counters = loginCounters(limits, username, clientNetwork(client));
  const stranger = [counters.pair, counters.network, counters.username, siteCounter(app.config.siteLimits, "hashes", now, limits.windowMs, hashes)];
  const cookie = options.jar === undefined ? undefined : readDevice(options.jar);
  // The cookie's validity needs the account, which is read beside the reservation: so a cookie that
  // names this username is trusted first, and taken back below if the account disowns it.
  const claimed =
    cookie?.username === username ? { cookie, counters: [deviceCounter(limits, username, cookie.handle), accountCounter(limits, cookie.userId, hashes)] } : undefined;
  const [reserved, account] = await Promise.all([
    app.throttle.reserve(claimed?.counters ?? stranger, now, limits.windowMs),
    app.users.findCredentials(username),
  ]);
  const trusted = claimed !== undefined && account !== null && isDeviceOf(claimed.cookie, account) ? claimed.counters[0] : undefined;
  if (claimed !== undefined && trusted === undefined) await instead(app, reserved, stranger, now);
  const cost = passwordCost(app.config);
  const matches = await verifyPassword(password, account?.passwordHash ?? (await decoyHash(cost)), cost);
  if (account === null || !matches) {
    // Counted once the answer has left, for an account and a made-up name alike.
    if (account !== null) afterResponse(() => app.events.countFailure(account.id, device, now));
    throw new GalletaError("invalid_credentials", "The username or password is wrong.");
  }
  const user: PublicUser = { id: account.id, username: account.username };
  const [result] = await Promise.all([
    options.then(user, { passwordVersion: account.passwordVersion }),
    // OWASP: a success resets the failures of this browser: of its device cookie if it came with a
    // valid one, else of its network for this username. Every other counter keeps the check.
    app.throttle.clear([(trusted ?? counters.pair).key]),
    needsRehash(account.passwordHash, cost) ? app.users.upgradeHash(account.id, account.passwordHash, password) : undefined,
  ]);
  return { user, result };
}

/** Counts an attempt under `counters` instead of the device cookie's it was reserved under (taken back beside, so it leaves nothing there). */
async function instead(app: Services, reserved: Reservation, counters: readonly Counter[], now: Date): Promise<void> {
  const released = app.throttle.release(reserved);
  try {
    await app.throttle.reserve(counters, now, app.config.loginLimits.windowMs);
  } finally {
    await released;
  }
}
