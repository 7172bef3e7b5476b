import type { CookieJar } from "../cookies/cookie-jar.ts";
import { clientNetwork } from "../http/network.ts";
import type { SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData, Services } from "./app-services.ts";
import { readDevice } from "./device-cookie.ts";
import { siteCounter, type Counter } from "./login-throttle.ts";

/**
 * Starts a session for a caller that has none (the visit counter's first visit, a passkey log-in's
 * challenge). A browser asks once and then has a session, which never counts again; a script
 * without cookies would otherwise store a session per request. So every start is counted, under
 * counters every such path shares (nothing is written that the limits do not bound), and past
 * them the throttle throws 429 `too_many_attempts` with `Retry-After`, writing nothing:
 *
 * - a stranger: its network's (ANONYMOUS_SESSIONS_PER_NETWORK per window) and the site-wide
 *   ceiling (SITE_LIMIT_ANONYMOUS_SESSIONS);
 * - a browser whose device cookie verifies (it proved an account's password or passkey here
 *   before): only that account's own (LOGIN_LIMIT_PER_ACCOUNT per window), so that neither its
 *   neighbours on a shared address nor a flood across networks keep it from signing in with a
 *   passkey. Its signature is enough: the cookie can only have come from this site, and the
 *   counter is the account's, whichever of its cookies is shown.
 */
export async function startAnonymousSession(
  app: Services,
  jar: CookieJar,
  client: string,
  { data, userAgent }: { data: AppSessionData; userAgent: string | null },
  now = new Date(),
): Promise<SessionRecord<AppSessionData>> {
  const { windowMs, perAccount } = app.config.loginLimits;
  const known = readDevice(jar);
  const counters: Counter[] =
    known === undefined
      ? [
          { key: `anonymous-sessions:${clientNetwork(client)}`, limit: app.config.anonymousSessionsPerNetwork },
          siteCounter(app.config.siteLimits, "anonymousSessions", now, windowMs),
        ]
      : [{ key: `anonymous-sessions:account:${known.userId}`, limit: perAccount }];
  await app.throttle.reserve(counters, now, windowMs);
  return app.sessions.create(jar, { userId: null, data, userAgent });
}
