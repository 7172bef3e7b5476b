import { GalletaError } from "../http/errors.ts";
import { invalid, requireObject, requireString } from "../http/validation.ts";
import type { SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData, Services } from "./app-services.ts";
import type { Device } from "./activity.ts";
import type { UserSession } from "./auth.ts";
import { requireRecentAuthentication } from "./reauthentication.ts";
import { rememberDevice } from "./device-cookie.ts";
import { provePasswordThen } from "./sign-in.ts";
import { checkPassword, type PublicUser } from "./users.ts";

/** `{ currentPassword, newPassword }` from a JSON body; 400 `invalid_input` naming the field at fault. */
export function readPasswordChange(body: unknown): { currentPassword: string; newPassword: string } {
  const fields = requireObject(body);
  const change = { currentPassword: requireString(fields, "currentPassword"), newPassword: requireString(fields, "newPassword") };
  try {
    checkPassword(change.newPassword);
  } catch (error) {
    if (error instanceof GalletaError) throw invalid("newPassword", error.message);
    throw error;
  }
  return change;
}

/** What a password change leaves: the user, the current session under its new id, how many others it ended. */
export interface PasswordChanged {
  user: PublicUser;
  session: SessionRecord<AppSessionData>;
  revoked: number;
}

/**
 * Changes the password: checks the current one (throttled like log-in), stores the new hash, gives
 * the current session a new id (its cookie re-sent, as on log-in) and deletes every other session of
 * the user, and so every token bound to them; every device cookie of the user but this browser's new
 * one is worthless from then on. A bearer token's session keeps its id, so the token
 * that made the change goes on working: a new id protects a cookie against fixation, not a token. The other sessions go only after the new hash is
 * stored, so a request from one of them that lands after this answers finds nothing.
 */
export async function changePassword(
  app: Services,
  { jar, session, via }: UserSession,
  change: { currentPassword: string; newPassword: string },
  client: string,
  device: Device,
): Promise<PasswordChanged> {
  const now = new Date();
  requireRecentAuthentication(session, app.config.reauthMs, now);
  const { user, result: proof } = await provePasswordThen(app, session.data.username ?? "", change.currentPassword, client, device, now, {
    ...(via === "cookie" ? { jar } : {}),
    then: async (_user, proof) => proof,
  });
  if (user.id !== session.userId) throw new GalletaError("invalid_credentials", "The current password is wrong.");
  const init = { userId: user.id, data: {}, userAgent: session.userAgent, authenticated: true, remember: session.remember ?? true };
  const [, renewed] = await Promise.all([
    app.users.setPassword(user.id, change.newPassword),
    via === "bearer" ? app.sessions.markAuthenticated(jar, session) : app.sessions.regenerate(jar, session, init),
  ]);
  if (renewed === null) throw new GalletaError("unauthenticated", "Your session has ended. Log in again.");
  // The change retired every device cookie of the user (they are bound to the password version);
  // this browser gets one bound to the new version (issue 15). Should another change have landed
  // meanwhile, the cookie is merely worthless.
  if (via === "cookie") rememberDevice(jar, user, proof.passwordVersion + 1);
  const [revoked] = await Promise.all([
    app.sessions.destroyAllForUser(user.id, renewed.key),
    app.events.record(user.id, { type: "password_changed", at: now, ...device, sessionId: renewed.key }),
  ]);
  return { user, session: renewed, revoked };
}
