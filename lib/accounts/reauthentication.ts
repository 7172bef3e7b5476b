import { GalletaError } from "../http/errors.ts";
import type { SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData, Services } from "./app-services.ts";
import type { Device } from "./activity.ts";
import { clearingIfGone, type UserSession } from "./auth.ts";
import { provePassword } from "./sign-in.ts";

/**
 * 403 `reauthentication_required` unless the user proved the password in this session within the
 * window. Measured from the last proof (log-in, register, re-authentication), not from the session's
 * creation as better-auth's freshAge is (better-auth#7472). Pass a session read from the store.
 */
export function requireRecentAuthentication(session: SessionRecord, windowMs: number, now: Date): void {
  const at = session.authenticatedAt?.getTime();
  if (at === undefined || now.getTime() - at > windowMs) {
    throw new GalletaError("reauthentication_required", "Confirm your password to continue: this action needs a recent log-in.");
  }
}

/**
 * Checks the password again (throttled like log-in) and records the proof on the current session;
 * the session afterwards. A password that is some other user's is as wrong as any other.
 */
export function reauthenticate(
  app: Services,
  current: UserSession,
  password: string,
  client: string,
  device: Device,
): Promise<SessionRecord<AppSessionData>> {
  const { jar, session, via } = current;
  // A session that ends meanwhile (a deletion, a password change elsewhere) is answered with its cookies cleared.
  return clearingIfGone(app, current, async () => {
    const now = new Date();
    const user = await provePassword(app, session.data.username ?? "", password, client, device, now, via === "cookie" ? { jar } : {});
    if (user.id !== session.userId) throw new GalletaError("invalid_credentials", "The password is wrong.");
    const [updated] = await Promise.all([
      app.sessions.markAuthenticated(jar, session),
      app.events.record(session.userId, { type: "reauthenticated", at: now, ...device, sessionId: session.key }),
    ]);
    if (updated === null) throw sessionEnded();
    return updated;
  });
}

/** The 401 of a request whose session ended while it ran. */
export function sessionEnded(): GalletaError {
  return new GalletaError("unauthenticated", "Your session has ended. Log in again.");
}
