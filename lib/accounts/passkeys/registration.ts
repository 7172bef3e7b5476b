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
import { requireRecentAuthentication } from "../reauthentication.ts";
import { CHALLENGE_TTL_MS, newChallenge } from "./challenges.ts";
import { passkeyName } from "./passkey-names.ts";
import { signedChallenge } from "./client-data.ts";
import { challengeExpired, passkeyInvalid } from "./passkey-input.ts";
import { MAX_PASSKEYS_PER_USER, type PasskeyRecord } from "./passkey-store.ts";
import type { RelyingParty } from "./relying-party.ts";
import { userHandleOf } from "./user-handle.ts";

/**
 * Options for navigator.credentials.create(): a discoverable credential (so the passkey alone names
 * the account at log-in), user verification preferred, no attestation, the user's existing passkeys
 * excluded. The challenge is stored server-side against this session. Needs a recent log-in.
 */
export async function registrationOptions(app: Services, { session }: UserSession, rp: RelyingParty): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const now = new Date();
  requireRecentAuthentication(session, app.config.reauthMs, now);
  const { bytes, text } = newChallenge();
  const [existing] = await Promise.all([
    app.passkeys.listForUser(session.userId),
    app.challenges.issue(session.key, "registration", { challenge: text, userId: session.userId }, now),
  ]);
  if (existing.length >= MAX_PASSKEYS_PER_USER) {
    throw new GalletaError("invalid_input", `You have ${MAX_PASSKEYS_PER_USER} passkeys, the most an account can have. Remove one first.`);
  }
  const username = session.data.username ?? "";
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: username,
    userDisplayName: username,
    userID: userHandleOf(session.userId),
    challenge: bytes,
    timeout: CHALLENGE_TTL_MS,
    attestationType: "none",
    excludeCredentials: existing.map(({ id, transports }) => ({ id, transports })),
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "preferred" },
  });
}

/**
 * Verifies the browser's answer to `registrationOptions` and stores the passkey: the session's own
 * challenge (single use, within 5 minutes, for this user), this RP ID and origin. Records
 * `passkey_added`. Needs a recent log-in still.
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
    requireRecentAuthentication(session, app.config.reauthMs, now);
    const challenge = signedChallenge(response.response.clientDataJSON);
    const issued = challenge === undefined ? null : await app.challenges.consume(session.key, "registration", challenge, now);
    if (challenge === undefined || issued?.userId !== session.userId) throw challengeExpired();
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
    };
    await app.passkeys.insert(passkey);
    const [user] = await Promise.all([
      // Read after the insert: an account deletion that removed the user's passkeys before this one
      // existed has removed the user by now, so this passkey goes too instead of outliving its account.
      app.users.findById(session.userId),
      app.events.record(session.userId, { type: "passkey_added", at: now, ...device, sessionId: session.key, passkeyId: passkey.id, passkeyName: passkey.name }),
    ]);
    if (user === null) {
      await app.passkeys.remove(session.userId, passkey.id);
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
