import type { Services } from "./app-services.ts";
import type { UserSession } from "./auth.ts";
import { requireRecentAuthentication } from "./reauthentication.ts";

/**
 * Deletes the account and everything galleta keeps about it, in one round trip: the user, every
 * session (so every token), its passkeys, its log-in throttle counter and its activity events;
 * clears the session cookie. Needs a recent log-in.
 */
export async function deleteAccount(app: Services, { jar, session }: UserSession): Promise<void> {
  requireRecentAuthentication(session, app.config.reauthMs, new Date());
  const username = session.data.username ?? "";
  await Promise.all([
    app.users.remove(session.userId),
    app.sessions.destroyAllForUser(session.userId),
    app.passkeys.removeAllForUser(session.userId),
    app.throttle.forget(username),
    app.events.forget(session.userId, username),
  ]);
  app.sessions.clearCookie(jar);
}
