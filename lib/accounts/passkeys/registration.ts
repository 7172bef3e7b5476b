import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedRegistrationResponse,
} from "@simplewebauthn/server";
import { GalletaError } from "../../http/errors.ts";
import type { Device } from "../activity.ts";
import type { Services } from "../app-services.ts";
import { clearingIfGone, type UserSession } from "../auth.ts";
import { CHALLENGE_TTL_MS, newChallenge } from "./challenges.ts";
import { passkeyName } from "./passkey-names.ts";
import { signedChallenge } from "./client-data.ts";
import { challengeExpired, passkeyInvalid } from "./passkey-input.ts";
import type { AssertionContext } from "./authentication.ts";
import { proveIdentity, type IdentityProof } from "./identity-proof.ts";
import { MAX_PASSKEYS_PER_USER, tooManyPasskeys, type PasskeyRecord } from "./passkey-store.ts";
import type { RelyingParty } from "./relying-party.ts";

/**
 * Options for navigator.credentials.create(): a discoverable credential (so the passkey alone names
 * the account at log-in), user verification preferred, no attestation, the user's existing passkeys
 * excluded, and the user's random handle. The request must prove the password or one of the user's
 * passkeys itself (`proof`, checked and recorded as a re-authentication is): a recent log-in is not
 * enough, since a copied cookie inside that window could otherwise plant a passkey of its own, which
 * would outlive every password change. The challenge is stored server-side against this session,
 * with the handle, and only once the proof has passed.
 */
export async function registrationOptions(
  app: Services,
  current: UserSession,
  rp: RelyingParty,
  proof: IdentityProof,
  context: Omit<AssertionContext, "rp">,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const session = await proveIdentity(app, current, proof, { rp, ...context });
  return clearingIfGone(app, current, async () => {
    const userId = current.session.userId;
    const [existing, handle] = await Promise.all([app.passkeys.listForUser(userId), app.users.passkeyHandleOf(userId)]);
    if (handle === null) throw new GalletaError("unauthenticated", "Your account has been deleted.");
    if (existing.length >= MAX_PASSKEYS_PER_USER) throw tooManyPasskeys();
    const { bytes, text } = newChallenge();
    await app.challenges.issue(session.key, "registration", { challenge: text, userId, userHandle: handle }, new Date());
    const username = session.data.username ?? "";
    return generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: username,
      userDisplayName: username,
      userID: new Uint8Array(Buffer.from(handle, "base64url")),
      challenge: bytes,
      timeout: CHALLENGE_TTL_MS,
      attestationType: "none",
      excludeCredentials: existing.map(({ id, transports }) => ({ id, transports })),
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "preferred" },
    });
  });
}

/**
 * Verifies the browser's answer to `registrationOptions` and stores the passkey, under the user's
 * cap (enforced by the store's write): the session's own challenge (single use, within 5 minutes,
 * for this user, issued on a proof), this RP ID and origin. Records `passkey_added`.
 */
export function registerPasskey(
  app: Services,
  current: UserSession,
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  name: string | undefined,
  device: Device,
): Promise<PasskeyRecord> {
  const { session } = current;
  return clearingIfGone(app, current, async () => {
    const now = new Date();
    const challenge = signedChallenge(response.response.clientDataJSON);
    const issued = challenge === undefined ? null : await app.challenges.consume(session.key, "registration", challenge, now);
    // A challenge without a handle was issued before registration options asked for a proof: refused.
    if (challenge === undefined || issued?.userId !== session.userId || issued.userHandle === undefined) throw challengeExpired();
    const info = await verified(response, challenge, rp);
    const passkey: PasskeyRecord = {
      id: info.credential.id,
      userId: session.userId,
      publicKey: info.credential.publicKey,
      signCount: info.credential.counter,
      transports: info.credential.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      userVerified: info.userVerified,
      name: name ?? passkeyName(info.aaguid, device.userAgent),
      createdAt: now,
      lastUsedAt: null,
      userHandle: issued.userHandle,
    };
    await app.passkeys.insert(passkey);
    const [user] = await Promise.all([
      // Read after the insert: an account deletion that removed the user's passkeys before this one
      // existed has removed the user by now, so this passkey goes too instead of outliving its account.
      app.users.findById(session.userId),
      app.events.record(session.userId, { type: "passkey_added", at: now, ...device, sessionId: session.key, passkeyId: passkey.id, passkeyName: passkey.name }),
    ]);
    if (user === null) {
      await app.passkeys.removeAllForUser(session.userId);
      throw new GalletaError("unauthenticated", "Your account has been deleted.");
    }
    return passkey;
  });
}

type RegistrationInfo = Extract<VerifiedRegistrationResponse, { verified: true }>["registrationInfo"];

/** The library's verification; whatever it refuses (it throws plain Errors for bad input) is 401 `passkey_invalid`. */
async function verified(response: RegistrationResponseJSON, challenge: string, rp: RelyingParty): Promise<RegistrationInfo> {
  let result: VerifiedRegistrationResponse;
  try {
    // User verification is asked for ("preferred"), not demanded: an authenticator that cannot verify
    // the user still proves possession. One that did is held to it at every use (`userVerified`).
    result = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origins, expectedRPID: rp.id, requireUserVerification: false });
  } catch (error) {
    throw passkeyInvalid(error);
  }
  if (!result.verified) throw passkeyInvalid();
  return result.registrationInfo;
}
