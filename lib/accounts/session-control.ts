import type { CookieJar } from "../cookies/cookie-jar.ts";
import type { SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData, Services } from "./app-services.ts";
import type { Device } from "./activity.ts";
import type { UserSession } from "./auth.ts";
import { requireRecentAuthentication } from "./reauthentication.ts";

/**
 * What a browser should forget on log-out and account deletion: its HTTP cache (pages that showed
 * the account). Not "storage", which would erase the language choice, nor "cookies", which clears
 * every cookie of the registrable domain, other sites' on it included.
 */
export const CLEAR_SITE_DATA = Object.freeze({ "Clear-Site-Data": '"cache"' });

/** Logs the request's session out (server-side and the cookie), recording it for a logged-in user. */
export async function logOut(app: Services, jar: CookieJar, session: SessionRecord<AppSessionData>, device: Device): Promise<void> {
  const userId = session.userId;
  await Promise.all([
    app.sessions.destroy(jar, session),
    userId === null ? undefined : app.events.record(userId, { type: "logged_out", at: new Date(), ...device, sessionId: session.key }),
  ]);
}

/**
 * "Sign out everywhere else": deletes every session of the user but the current one, and with them
 * every token bound to them (a token names its session). Needs a recent log-in. How many it deleted.
 */
export async function signOutEverywhereElse(app: Services, { session }: UserSession, device: Device): Promise<number> {
  const now = new Date();
  requireRecentAuthentication(session, app.config.reauthMs, now);
  const [revoked] = await Promise.all([
    app.sessions.destroyAllForUser(session.userId, session.key),
    app.events.record(session.userId, { type: "signed_out_everywhere_else", at: now, ...device, bySessionId: session.key }),
  ]);
  return revoked;
}

/**
 * Revokes another of the user's sessions by its handle, recording which and from which; whether it
 * was theirs and live. Needs a recent log-in, as signing out everywhere else does: one at a time,
 * a stolen cookie could otherwise keep the owner out by revoking each new session as it appears.
 * The event is written alongside the delete and taken back if nothing was deleted, so a success
 * costs one round trip and only a refused handle costs a second.
 */
export async function revokeSession(app: Services, { session }: UserSession, handle: string, device: Device): Promise<boolean> {
  const now = new Date();
  requireRecentAuthentication(session, app.config.reauthMs, now);
  const event = { type: "session_revoked" as const, at: now, ...device, sessionId: handle, bySessionId: session.key };
  const [revoked, ids] = await Promise.all([app.sessions.destroyForUser(session.userId, handle), app.events.record(session.userId, event)]);
  if (!revoked) await app.events.retract(ids);
  return revoked;
}
