import { GalletaError } from "../http/errors.ts";
import { invalid, requireObject, requireString } from "../http/validation.ts";
import type { SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData, Services } from "./app-services.ts";
import type { Device } from "./activity.ts";
import { clearingIfGone, type UserSession } from "./auth.ts";
import { requireRecentAuthentication, sessionEnded } from "./reauthentication.ts";
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
 * that made the change goes on working: a new id protects a cookie against fixation, not a token.
 * The other sessions go only after the new hash is stored, so a request from one of them that lands
 * after this answers finds nothing.
 *
 * Racing another change or the account's deletion (issue 15), it answers 401 and keeps no session:
 * the hash is stored only if the account still has the password version this request proved (one
 * conditional update, so of two concurrent changes exactly one wins); and the version is read again
 * after the new session is stored, as a log-in does, because a deletion that removed the user after
 * the update may have swept the user's sessions before that insert.
 */
export function changePassword(
  app: Services,
  current: UserSession,
  change: { currentPassword: string; newPassword: string },
  client: string,
  device: Device,
): Promise<PasswordChanged> {
  // A change that loses to the account's deletion, or to another change, ends this browser's
  // session: its answer clears the cookies, so no cached copy reads as logged in afterwards.
  return clearingIfGone(app, current, () => applyPasswordChange(app, current, change, client, device));
}

async function applyPasswordChange(
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
  const [stored, renewed] = await Promise.all([
    app.users.setPassword(user.id, change.newPassword, proof.passwordVersion),
    via === "bearer" ? app.sessions.markAuthenticated(jar, session) : app.sessions.regenerate(jar, session, init),
  ]);
  // Only a session this request started is its to end; a bearer token's goes with the deletion, or
  // with the winning change's sweep.
  const started = via === "bearer" ? null : renewed;
  if (!stored) {
    if (started !== null) await app.sessions.destroy(undefined, started);
    throw superseded();
  }
  if (renewed === null) throw sessionEnded();
  const [revoked, version, recorded] = await Promise.all([
    app.sessions.destroyAllForUser(user.id, renewed.key),
    app.users.passwordVersionOf(user.id),
    app.events.record(user.id, { type: "password_changed", at: now, ...device, sessionId: renewed.key }),
  ]);
  if (version !== proof.passwordVersion + 1) {
    await Promise.all([started === null ? undefined : app.sessions.destroy(undefined, started), app.events.retract(recorded)]);
    throw superseded();
  }
  // The change retired every device cookie of the user (they are bound to the password version);
  // this browser gets one bound to the new version (issue 15).
  if (via === "cookie") rememberDevice(jar, user, version);
  return { user, session: renewed, revoked };
}

/** The 401 of a change that lost to another change or to the account's deletion. */
function superseded(): GalletaError {
  return new GalletaError("invalid_credentials", "The password was changed elsewhere, or the account deleted, while this change was being made. Log in again.");
}
