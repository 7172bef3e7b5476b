import type { Services } from "./app-services.ts";
import type { UserSession } from "./auth.ts";
import { DEVICE_COOKIE_NAMES } from "./device-cookie.ts";
import { requireRecentAuthentication } from "./reauthentication.ts";

/**
 * Deletes the account and everything galleta keeps about it: the user, then every session (so every
 * token), its passkeys, its log-in throttle counters and its activity events; clears the session cookie and the
 * browser's device cookie. Needs a recent log-in.
 *
 * The user goes first and its sessions after, not beside (issue 15): a log-in, token or password
 * change that stores a session reads the user back after its insert and ends the session if the
 * user is gone; if the user was still there, this removal came after that insert, and so does the
 * sweep, which deletes it. Beside each other, the sweep could run before a late insert and the
 * removal after that insert's read, leaving a working session of a deleted account.
 */
export async function deleteAccount(app: Services, { jar, session }: UserSession): Promise<void> {
  requireRecentAuthentication(session, app.config.reauthMs, new Date());
  const username = session.data.username ?? "";
  await app.users.remove(session.userId);
  await Promise.all([
    app.sessions.destroyAllForUser(session.userId),
    app.passkeys.removeAllForUser(session.userId),
    app.throttle.forget(username, session.userId),
    app.events.forget(session.userId),
  ]);
  app.sessions.clearCookie(jar);
  // The browser's device cookie names the deleted account: it goes too.
  for (const name of DEVICE_COOKIE_NAMES) if (jar.get(name) !== undefined) jar.clear(name);
}
