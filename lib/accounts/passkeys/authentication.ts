import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type VerifiedAuthenticationResponse,
} from "@simplewebauthn/server";
import type { CookieJar } from "../../cookies/cookie-jar.ts";
import type { SessionRecord } from "../../sessions/session-store.ts";
import type { ActivityEvent, Device } from "../activity.ts";
import { startAnonymousSession } from "../anonymous-sessions.ts";
import type { AppSessionData, Services } from "../app-services.ts";
import { clearingIfGone, type RequestSession, type UserSession } from "../auth.ts";
import { accountCounter } from "../login-throttle.ts";
import { sessionEnded } from "../reauthentication.ts";
import { startUserSession } from "../sign-in.ts";
import type { PublicUser } from "../users.ts";
import { CHALLENGE_TTL_MS, newChallenge } from "./challenges.ts";
import { signedChallenge } from "./client-data.ts";
import { challengeExpired, passkeyInvalid } from "./passkey-input.ts";
import type { PasskeyRecord } from "./passkey-store.ts";
import type { RelyingParty } from "./relying-party.ts";
import { legacyUserHandle } from "./user-handle.ts";

/**
 * Options for navigator.credentials.get(). No session is needed: a visitor without one gets an
 * anonymous session to bind the challenge to, under the limits the visit counter shares
 * (`startAnonymousSession`: a browser with a device cookie under its account's own), which log-in
 * then replaces.
 * `allowCredentials` is empty, so the browser offers every passkey it has for this site
 * (discoverable credentials); for a logged-in user (re-authentication) it lists theirs.
 */
export async function authenticationOptions(
  app: Services,
  { jar, session }: RequestSession,
  rp: RelyingParty,
  client: string,
  userAgent: string | null,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const now = new Date();
  const current = session ?? (await startAnonymousSession(app, jar, client, { data: {}, userAgent }, now));
  const { bytes, text } = newChallenge();
  const [mine] = await Promise.all([
    current.userId === null ? [] : app.passkeys.listForUser(current.userId),
    app.challenges.issue(current.key, "authentication", { challenge: text, userId: current.userId }, now),
  ]);
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: bytes,
    timeout: CHALLENGE_TTL_MS,
    userVerification: "preferred",
    allowCredentials: mine.map(({ id, transports }) => ({ id, transports })),
  });
}

/** What a log-in or re-authentication with a passkey needs besides the assertion. */
export interface AssertionContext {
  rp: RelyingParty;
  /** The client's address: a password proved instead of the passkey counts against its network. */
  client: string;
  device: Device;
}

/**
 * Logs in with a passkey: the assertion must answer the challenge this browser's session asked for.
 * The session starts exactly as a password log-in's does (`startUserSession`: a new id, authenticatedAt
 * now, the cap, `remember`, `logged_in` with `method: "passkey"`), and the device cookie bound to the
 * account's password version, which `startUserSession` issues. Returns the new session.
 */
export async function signInWithPasskey(
  app: Services,
  jar: CookieJar,
  previous: SessionRecord<AppSessionData> | null,
  response: AuthenticationResponseJSON,
  remember: boolean,
  { rp, device }: AssertionContext,
): Promise<SessionRecord<AppSessionData> & { userId: string }> {
  const now = new Date();
  if (previous === null) throw challengeExpired();
  // The account is read beside the assertion's last checks, not after them.
  const { passkey, alongside: account } = await checkAssertion(app, previous.key, response, { rp, device }, now, {
    alongside: (found) => app.users.findWithProof(found.userId),
  });
  // A passkey outliving its account (deleted meanwhile) names no one.
  if (account === null) throw passkeyInvalid();
  const user: PublicUser = { id: account.id, username: account.username };
  const details = passkeyDetails(passkey);
  const [session] = await Promise.all([
    startUserSession(app, jar, previous, user, { event: "logged_in", remember, device, proof: { passwordVersion: account.passwordVersion }, details }),
    app.events.record(user.id, { type: "passkey_used", at: now, ...device, ...details }),
  ]);
  return session;
}

/**
 * Re-authenticates with a passkey of the session's own user: records `authenticatedAt` now, as
 * POST /api/reauthenticate with the password does, and `reauthenticated` with `method: "passkey"`.
 */
export function reauthenticateWithPasskey(
  app: Services,
  current: UserSession,
  response: AuthenticationResponseJSON,
  context: AssertionContext,
): Promise<SessionRecord<AppSessionData>> {
  const { jar, session } = current;
  // A session that ends meanwhile (a deletion, a password change elsewhere) is answered with its cookies cleared.
  return clearingIfGone(app, current, async () => {
    const now = new Date();
    const { passkey } = await checkAssertion(app, session.key, response, context, now, { owner: session.userId, alongside: async () => undefined });
    const details = passkeyDetails(passkey);
    const [updated] = await Promise.all([
      app.sessions.markAuthenticated(jar, session),
      app.events.record(
        session.userId,
        { type: "reauthenticated", at: now, ...context.device, sessionId: session.key, ...details },
        { type: "passkey_used", at: now, ...context.device, sessionId: session.key, ...details },
      ),
    ]);
    if (updated === null) throw sessionEnded();
    return updated;
  });
}

function passkeyDetails(passkey: PasskeyRecord): Pick<ActivityEvent, "method" | "passkeyId" | "passkeyName"> {
  return { method: "passkey", passkeyId: passkey.id, passkeyName: passkey.name };
}

/**
 * The checks every assertion passes: the session's pending challenge consumed (single use) and the
 * passkey looked up by credential id (and, for `owner`, theirs), in one round trip; then the
 * library's verification against this RP ID and these origins; then, in a second round trip, a slot
 * of the account's own counter (`accountCounter`, which its password checks from known browsers
 * share), the signature counter (WebAuthn §6.1.1's clone signal) and `alongside`. No counter of the
 * client's network is asked: an assertion is no guess at a secret, so neighbours failing passwords
 * on a shared address cannot keep a passkey out, nor burn its challenge with a refusal, and only an
 * assertion whose signature verified can spend the account's counter. Nothing is written for a
 * refused assertion but its challenge's deletion, and an event only once the signature has verified.
 */
async function checkAssertion<T>(
  app: Services,
  sessionKey: string,
  response: AuthenticationResponseJSON,
  { rp, device }: Pick<AssertionContext, "rp" | "device">,
  now: Date,
  { owner, alongside }: { owner?: string; alongside: (passkey: PasskeyRecord) => Promise<T> },
): Promise<{ passkey: PasskeyRecord; alongside: T }> {
  const limits = app.config.loginLimits;
  const challenge = signedChallenge(response.response.clientDataJSON);
  // Both settle before anything is decided, so that no write is left running behind the response.
  const [issued, passkey] = await allSettled(
    challenge === undefined ? null : app.challenges.consume(sessionKey, "authentication", challenge, now),
    app.passkeys.find(response.id),
  );
  if (challenge === undefined || issued === null) throw challengeExpired();
  if (passkey === null || (owner !== undefined && passkey.userId !== owner) || !handleMatches(response, passkey)) throw passkeyInvalid();
  const info = await verified(response, challenge, rp, passkey);
  const { newCounter, credentialBackedUp } = info;
  // An authenticator that always reports 0 does not count; otherwise the counter must move forward.
  const counts = newCounter > 0 || passkey.signCount > 0;
  const [, moved, extra] = await allSettled(
    app.throttle.reserve([accountCounter(limits, passkey.userId)], now, limits.windowMs),
    (!counts || newCounter > passkey.signCount) && app.passkeys.recordUse(passkey.id, newCounter, credentialBackedUp, now),
    alongside(passkey),
  );
  if (!moved) {
    await app.events.record(passkey.userId, { type: "passkey_clone_suspected", at: now, ...device, passkeyId: passkey.id, passkeyName: passkey.name, count: newCounter });
    throw passkeyInvalid();
  }
  return { passkey: { ...passkey, signCount: newCounter, backedUp: credentialBackedUp, lastUsedAt: now }, alongside: extra };
}

/** Like Promise.all, but waits for every promise before throwing the first rejection. */
async function allSettled<T extends readonly unknown[]>(...values: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(values);
  const failed = results.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** A discoverable credential's assertion names its user (the handle given at registration): it must be the passkey's. */
function handleMatches(response: AuthenticationResponseJSON, passkey: PasskeyRecord): boolean {
  const handle = response.response.userHandle;
  return handle == null || handle === (passkey.userHandle ?? legacyUserHandle(passkey.userId));
}

async function verified(
  response: AuthenticationResponseJSON,
  challenge: string,
  rp: RelyingParty,
  passkey: PasskeyRecord,
): Promise<VerifiedAuthenticationResponse["authenticationInfo"]> {
  let result: VerifiedAuthenticationResponse;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      // The counter is judged after the signature (checkAssertion), so that an unsigned assertion
      // with a low counter can never be what records a clone event: the library is given 0.
      credential: { id: passkey.id, publicKey: passkey.publicKey, counter: 0, transports: passkey.transports },
      // An authenticator that verified the user at registration must do so every time.
      requireUserVerification: passkey.userVerified,
    });
  } catch (error) {
    throw passkeyInvalid(error);
  }
  if (!result.verified) throw passkeyInvalid();
  return result.authenticationInfo;
}
