import type { CookieJar } from "../cookies/cookie-jar.ts";
import { clientNetwork } from "../http/network.ts";
import type { SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData, Services } from "./app-services.ts";

/**
 * Starts a session for a caller that has none (the visit counter's first visit, a passkey log-in's
 * challenge), counted under one per-network counter shared by every such path: at most
 * ANONYMOUS_SESSIONS_PER_NETWORK per log-in window (issue 15: "Nothing is written that the limits do
 * not bound"). A browser asks once and then has a session, which never counts again; a script
 * without cookies would otherwise store a session per request. Past the limit it throws 429
 * `too_many_attempts` with `Retry-After`, and the throttle's refusal writes nothing.
 */
export async function startAnonymousSession(
  app: Services,
  jar: CookieJar,
  client: string,
  { data, userAgent }: { data: AppSessionData; userAgent: string | null },
  now = new Date(),
): Promise<SessionRecord<AppSessionData>> {
  const counter = { key: `anonymous-sessions:${clientNetwork(client)}`, limit: app.config.anonymousSessionsPerNetwork };
  await app.throttle.reserve([counter], now, app.config.loginLimits.windowMs);
  return app.sessions.create(jar, { userId: null, data, userAgent });
}
