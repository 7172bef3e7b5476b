import type { CookieJar } from "../cookies/cookie-jar.ts";
import { clientNetwork } from "../http/network.ts";
import { GalletaError } from "../http/errors.ts";
import type { Services } from "./app-services.ts";
import { readDevice, rememberDevice } from "./device-cookie.ts";
import { loginCounters, type Counter, type Reservation } from "./login-throttle.ts";
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
  /** The browser's cookies: a device cookie for this user lifts the per-username limit, and a success renews it. */
  jar?: CookieJar | undefined;
}

/** The username as the throttle and the user lookup key it: trimmed, lower-cased, at most 64 characters. */
export function loginName(rawUsername: string): string {
  return rawUsername.trim().toLowerCase().slice(0, 64);
}

/**
 * The one throttled password check: 429 `too_many_attempts` when the (username, network) pair, the
 * network or the username has used up its attempts, 401 `invalid_credentials` for a wrong username
 * or password alike. `then` (e.g. starting the session) runs in parallel with the throttle's
 * bookkeeping, so a log-in costs two sequential database round trips: the reservation with the user
 * lookup, then `then` with the bookkeeping (and, once, the upgrade of an old password hash).
 */
export async function logInThen<T>(
  app: Services,
  rawUsername: string,
  password: string,
  client: string,
  now: Date,
  options: LogInOptions & { then: (user: PublicUser, proof: PasswordProof) => Promise<T> },
): Promise<{ user: PublicUser; result: T }> {
  const username = loginName(rawUsername);
  const { windowMs } = app.config.loginLimits;
  const counters = loginCounters(app.config.loginLimits, username, clientNetwork(client));
  const device = options.jar === undefined ? undefined : readDevice(options.jar);
  // A device cookie for this username stands in for the username counter: its own counter, at the
  // pair limit, so a stolen cookie is worth as few guesses as one network gets.
  const deviceCounter = device?.user.username === username ? { key: `device:${device.handle}`, limit: app.config.loginLimits.perPair } : undefined;
  const [reserved, account] = await Promise.all([
    app.throttle.reserve([counters.pair, counters.network, deviceCounter ?? counters.username], now, windowMs),
    app.users.findCredentials(username),
  ]);
  // A device cookie for an earlier account of the same name (deleted, then registered again) is no one's.
  const reservation = deviceCounter !== undefined && account?.id !== device?.user.id ? await extend(app, reserved, counters.username, now) : reserved;
  const cost = passwordCost(app.config);
  const matches = await verifyPassword(password, account?.passwordHash ?? (await decoyHash(cost)), cost);
  if (account === null || !matches) throw new GalletaError("invalid_credentials", "The username or password is wrong.");
  const user: PublicUser = { id: account.id, username: account.username };
  if (options.jar !== undefined) rememberDevice(options.jar, user);
  const [result] = await Promise.all([
    options.then(user, { passwordVersion: account.passwordVersion }),
    // OWASP: a success resets the failures of this browser's address and of its device cookie for
    // this user; the network's and the username's counters keep their failures, and only this
    // attempt is taken back from them.
    app.throttle.release(reservation, [counters.pair.key, ...(deviceCounter === undefined ? [] : [deviceCounter.key])]),
    needsRehash(account.passwordHash, cost) ? app.users.upgradeHash(account.id, account.passwordHash, password) : undefined,
  ]);
  return { user, result };
}

/** Adds the username counter to a reservation, or takes the whole reservation back if that counter is full. */
async function extend(app: Services, reservation: Reservation, counter: Counter, now: Date): Promise<Reservation> {
  try {
    const more = await app.throttle.reserve([counter], now, app.config.loginLimits.windowMs, reservation.id);
    return { id: reservation.id, keys: [...reservation.keys, ...more.keys] };
  } catch (error) {
    await app.throttle.release(reservation);
    throw error;
  }
}
