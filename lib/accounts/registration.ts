import { clientNetwork } from "../http/network.ts";
import type { Services } from "./app-services.ts";
import { siteCounter } from "./login-throttle.ts";
import { checkPassword, normalizeUsername, type PasswordProof, type PublicUser } from "./users.ts";

const HOUR = 60 * 60 * 1000;

/**
 * Creates an account under the registration throttle: at most REGISTER_LIMIT_PER_NETWORK attempts
 * per client network per hour, and the site-wide ceilings on new accounts and on password hashes
 * per window (429 `too_many_attempts` beyond), as each one costs a full password hash, a permanent
 * document, and a `409 username_taken` tells whether a name exists. Input is checked first, so a
 * typo costs nothing. The proof (the new account's first password version) is for
 * `startUserSession`, which gives the browser a device cookie bound to it, as after a log-in.
 */
export async function registerAccount(app: Services, rawUsername: string, password: string, client: string, now: Date): Promise<{ user: PublicUser; proof: PasswordProof }> {
  const username = normalizeUsername(rawUsername);
  checkPassword(password);
  const { siteLimits, loginLimits } = app.config;
  await app.throttle.reserve(
    [
      { key: `register:${clientNetwork(client)}`, limit: app.config.registerLimitPerNetwork },
      siteCounter(siteLimits, "registrations", now, loginLimits.windowMs),
      siteCounter(siteLimits, "hashes", now, loginLimits.windowMs),
    ],
    now,
    HOUR,
  );
  const user = await app.users.register(username, password, now);
  return { user, proof: { passwordVersion: 0 } };
}
