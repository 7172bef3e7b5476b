import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type VerifiedAuthenticationResponse,
} from "@simplewebauthn/server";
import type { CookieJar } from "../../cookies/cookie-jar.ts";
import { clientNetwork } from "../../http/network.ts";
import type { SessionRecord } from "../../sessions/session-store.ts";
import type { ActivityEvent, Device } from "../activity.ts";
import { startAnonymousSession } from "../anonymous-sessions.ts";
import type { AppSessionData, Services } from "../app-services.ts";
import { clearingIfGone, type RequestSession, type UserSession } from "../auth.ts";
import { loginCounters, type Reservation } from "../login-throttle.ts";
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
 * anonymous session to bind the challenge to, under the per-network limit the visit counter shares
 * (`startAnonymousSession`), which log-in then replaces.
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
  /** The client's address: attempts count against its network. */
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
  { rp, client, device }: AssertionContext,
): Promise<SessionRecord<AppSessionData> & { userId: string }> {
  const now = new Date();
  if (previous === null) throw challengeExpired();
  const { passkey, reservation } = await checkAssertion(app, previous.key, response, { rp, client, device }, now);
  const account = await app.users.findWithProof(passkey.userId);
  // A passkey outliving its account (deleted meanwhile) names no one.
  if (account === null) throw passkeyInvalid();
  const user: PublicUser = { id: account.id, username: account.username };
  const details = passkeyDetails(passkey);
  const [session] = await Promise.all([
    startUserSession(app, jar, previous, user, { event: "logged_in", remember, device, proof: { passwordVersion: account.passwordVersion }, details }),
    app.throttle.release(reservation),
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
    const { passkey, reservation } = await checkAssertion(app, session.key, response, context, now, session.userId);
    const details = passkeyDetails(passkey);
    const [updated] = await Promise.all([
      app.sessions.markAuthenticated(jar, session),
      app.events.record(
        session.userId,
        { type: "reauthenticated", at: now, ...context.device, sessionId: session.key, ...details },
        { type: "passkey_used", at: now, ...context.device, sessionId: session.key, ...details },
      ),
      app.throttle.release(reservation),
    ]);
    if (updated === null) throw sessionEnded();
    return updated;
  });
}

function passkeyDetails(passkey: PasskeyRecord): Pick<ActivityEvent, "method" | "passkeyId" | "passkeyName"> {
  return { method: "passkey", passkeyId: passkey.id, passkeyName: passkey.name };
}

/**
 * The checks every assertion passes, in one round trip and then the signature: a slot of the
 * network's log-in counter (the one password attempts use; a refused assertion keeps it, a success
 * gives it back), the session's pending challenge consumed (single use), the passkey looked up by
 * credential id (and, for `owner`, theirs), then the library's verification against this RP ID and
 * these origins, and finally the signature counter (WebAuthn §6.1.1's clone signal). Nothing is
 * written for a refused assertion but the counter's bounded slot, and an event only once the
 * signature has verified.
 */
async function checkAssertion(
  app: Services,
  sessionKey: string,
  response: AuthenticationResponseJSON,
  { rp, client, device }: AssertionContext,
  now: Date,
  owner?: string,
): Promise<{ passkey: PasskeyRecord; reservation: Reservation }> {
  const { windowMs } = app.config.loginLimits;
  const challenge = signedChallenge(response.response.clientDataJSON);
  const network = loginCounters(app.config.loginLimits, "", clientNetwork(client)).network;
  // All three settle before anything is decided: a refused attempt (429) has consumed its challenge
  // by the time it is answered, and no write is left running behind the response.
  const [reservation, issued, passkey] = await allSettled(
    app.throttle.reserve([network], now, windowMs),
    challenge === undefined ? null : app.challenges.consume(sessionKey, "authentication", challenge, now),
    app.passkeys.find(response.id),
  );
  if (challenge === undefined || issued === null) throw challengeExpired();
  if (passkey === null || (owner !== undefined && passkey.userId !== owner) || !handleMatches(response, passkey)) throw passkeyInvalid();
  const info = await verified(response, challenge, rp, passkey);
  const { newCounter, credentialBackedUp } = info;
  // An authenticator that always reports 0 does not count; otherwise the counter must move forward.
  const counts = newCounter > 0 || passkey.signCount > 0;
  const moved = (!counts || newCounter > passkey.signCount) && (await app.passkeys.recordUse(passkey.id, newCounter, credentialBackedUp, now));
  if (!moved) {
    await app.events.record(passkey.userId, { type: "passkey_clone_suspected", at: now, ...device, passkeyId: passkey.id, passkeyName: passkey.name, count: newCounter });
    throw passkeyInvalid();
  }
  return { passkey: { ...passkey, signCount: newCounter, backedUp: credentialBackedUp, lastUsedAt: now }, reservation };
}

/** Like Promise.all, but waits for every promise before throwing the first rejection. */
async function allSettled<A, B, C>(a: Promise<A>, b: Promise<B> | B, c: Promise<C>): Promise<[A, B, C]> {
  const results = await Promise.allSettled([a, b, c]);
  const failed = results.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as [A, B, C];
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
