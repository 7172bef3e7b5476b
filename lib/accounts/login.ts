import type { CookieJar } from "../cookies/cookie-jar.ts";
import { clientNetwork } from "../http/network.ts";
import { GalletaError } from "../http/errors.ts";
import type { Services } from "./app-services.ts";
import type { Device } from "./activity.ts";
import { isDeviceOf, readDevice } from "./device-cookie.ts";
import { deviceCounter, loginCounters, type Counter, type Reservation } from "./login-throttle.ts";
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
  /** The browser's cookies: a valid device cookie for this user is counted under its own counter instead of the three others. */
  jar?: CookieJar | undefined;
}

/** The username as the throttle and the user lookup key it: trimmed, lower-cased, at most 64 characters. */
export function loginName(rawUsername: string): string {
  return rawUsername.trim().toLowerCase().slice(0, 64);
}

/**
 * The one throttled password check: 429 `too_many_attempts` when this attempt does not fit under its
 * counters, 401 `invalid_credentials` for a wrong username or password alike. A browser whose device
 * cookie is still valid for this user is counted under that cookie's counter alone; any other attempt
 * under the (username, network) pair, the network and the username (issue 15). A failure against an
 * existing account is counted in its activity log; a refused attempt, and an attempt against a
 * username that does not exist, write nothing beyond the counters that bound them.
 *
 * `then` (e.g. starting the session) runs in parallel with the throttle's bookkeeping, so a log-in
 * costs two sequential database round trips: the reservation with the user lookup, then `then` with
 * the bookkeeping (and, once, the upgrade of an old password hash); a failure too, the second being
 * the failure's count. A device cookie for this username that the account then refuses (an old
 * password's, an earlier account's) costs one more, to count the attempt as a browser without one.
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
  const counters = loginCounters(limits, username, clientNetwork(client));
  const untrusted = [counters.pair, counters.network, counters.username];
  const cookie = options.jar === undefined ? undefined : readDevice(options.jar);
  // The cookie's validity needs the account, which is read beside the reservation: so a cookie that
  // names this username is trusted first, and taken back below if the account disowns it.
  const claimed = cookie?.username === username ? { cookie, counter: deviceCounter(limits, username, cookie.handle) } : undefined;
  const [reserved, account] = await Promise.all([
    app.throttle.reserve(claimed === undefined ? untrusted : [claimed.counter], now, limits.windowMs),
    app.users.findCredentials(username),
  ]);
  const trusted = claimed !== undefined && account !== null && isDeviceOf(claimed.cookie, account) ? claimed.counter : undefined;
  const reservation = claimed === undefined || trusted !== undefined ? reserved : await instead(app, reserved, untrusted, now);
  const cost = passwordCost(app.config);
  const matches = await verifyPassword(password, account?.passwordHash ?? (await decoyHash(cost)), cost);
  if (account === null || !matches) {
    // Only once the password is known to be wrong, so a success never writes (nor waits for) it.
    await app.events.countFailure(account?.id ?? null, device, now);
    throw new GalletaError("invalid_credentials", "The username or password is wrong.");
  }
  const user: PublicUser = { id: account.id, username: account.username };
  const [result] = await Promise.all([
    options.then(user, { passwordVersion: account.passwordVersion }),
    // OWASP: a success resets the failures of this browser: of its device cookie if it came with a
    // valid one, else of its network for this username. The network's and the username's counters
    // keep their failures, and only this attempt is taken back from them.
    app.throttle.release(reservation, [(trusted ?? counters.pair).key]),
    needsRehash(account.passwordHash, cost) ? app.users.upgradeHash(account.id, account.passwordHash, password) : undefined,
  ]);
  return { user, result };
}

/** Counts an attempt under `counters` instead of the device counter it was reserved under (taken back beside, so it leaves nothing there). */
async function instead(app: Services, reserved: Reservation, counters: readonly Counter[], now: Date): Promise<Reservation> {
  const released = app.throttle.release(reserved);
  try {
    return await app.throttle.reserve(counters, now, app.config.loginLimits.windowMs);
  } finally {
    await released;
  }
}
