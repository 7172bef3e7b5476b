import type { CookieJar } from "../cookies/cookie-jar.ts";
import { optionalBoolean, requireObject } from "../http/validation.ts";
import type { SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData, Services } from "./app-services.ts";
import type { ActivityEvent, Device } from "./activity.ts";
import { sessionGone } from "./auth.ts";
import { rememberDevice } from "./device-cookie.ts";
import { logInThen, type LogInOptions } from "./login.ts";
import { GalletaError } from "../http/errors.ts";
import type { PasswordProof, PublicUser } from "./users.ts";

/** `remember` from a log-in or register body: true unless the body says false; 400 if not a boolean. */
export function readRemember(body: unknown): boolean {
  return optionalBoolean(requireObject(body), "remember") ?? true;
}

/** The one throttled password check (`logInThen`). `options.jar` lets a valid device cookie stand in for the other counters (issue 15). */
export async function provePassword(
  app: Services,
  username: string,
  password: string,
  client: string,
  device: Device,
  now: Date,
  options: LogInOptions = {},
): Promise<PublicUser> {
  const { user } = await provePasswordThen(app, username, password, client, device, now, { ...options, then: async () => undefined });
  return user;
}

/** `provePassword`, with `then` (starting the session) run beside the throttle's bookkeeping: one round trip fewer (`logInThen`). */
export async function provePasswordThen<T>(
  app: Services,
  username: string,
  password: string,
  client: string,
  device: Device,
  now: Date,
  options: LogInOptions & { then: (user: PublicUser, proof: PasswordProof) => Promise<T> },
): Promise<{ user: PublicUser; result: T }> {
  return logInThen(app, username, password, client, device, now, options);
}

/** How a user's new session starts. */
export interface SignIn {
  event: "logged_in" | "registered";
  remember: boolean;
  device: Device;
  /**
   * The password the sign-in proved (a registration: the one it set, version 0). A log-in's session
   * is not kept if a password change lands meanwhile; a browser's device cookie is bound to it
   * (without a proof, the browser gets none).
   */
  proof?: PasswordProof;
  /** What the event says about the proof when it was not the password (a passkey log-in). */
  details?: Pick<ActivityEvent, "method" | "passkeyId" | "passkeyName">;
}

/**
 * Starts a logged-in session for a user who has just proved the password: under a new id (replacing
 * `previous`, against fixation), with `authenticatedAt` now; records the event alongside the insert;
 * then enforces the session cap, which must come after the insert so that the last of any number of
 * concurrent sign-ins (log-ins and the registration alike) sees them all. A browser (a jar) gets a
 * new device cookie bound to the proof; without a jar, a session for an API client's token.
 */
export async function startUserSession(
  app: Services,
  jar: CookieJar | undefined,
  previous: SessionRecord<AppSessionData> | null,
  user: PublicUser,
  { event, remember, device, proof, details }: SignIn,
): Promise<SessionRecord<AppSessionData> & { userId: string }> {
  const now = new Date();
  const init = { userId: user.id, data: { username: user.username }, userAgent: device.userAgent, authenticated: true, remember };
  const [created, recorded] = await Promise.all([
    jar === undefined ? app.sessions.create(undefined, init) : app.sessions.regenerate(jar, previous, init),
    app.events.record(user.id, { type: event, at: now, ...device, ...details }),
  ]);
  // A registration too: log-ins of the new account can land between its user's insert and this one.
  const [, version] = await Promise.all([
    app.sessions.evictBeyondCap(user.id, app.config.maxSessionsPerUser, created, (keys) =>
      app.events.record(user.id, ...keys.map((sessionId) => ({ type: "session_evicted" as const, at: now, ...device, sessionId, bySessionId: created.key }))),
    ),
    // Read after the insert, as the cap's check is: a password change that deleted the user's
    // sessions before this one existed has changed the version by now, and an account deletion
    // that did has removed the user (it removes the user first), so this one goes too.
    proof === undefined ? undefined : app.users.passwordVersionOf(user.id),
  ]);
  if (proof !== undefined && version !== proof.passwordVersion) {
    await Promise.all([app.sessions.destroy(undefined, created), app.events.retract(recorded)]);
    const lost = new GalletaError("invalid_credentials", "The password was changed, or the account deleted, while you were logging in.");
    // The browser's previous session went with the regeneration: its cookies go too.
    throw jar === undefined ? lost : sessionGone(app, { jar, via: "cookie" }, lost);
  }
  if (jar !== undefined && proof !== undefined) rememberDevice(jar, user, proof.passwordVersion);
  return { ...created, userId: user.id };
}
