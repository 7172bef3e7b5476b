import { GalletaError } from "../../http/errors.ts";
import type { Device } from "../activity.ts";
import type { Services } from "../app-services.ts";
import { requireUser, type UserSession } from "../auth.ts";
import { requireRecentAuthentication } from "../reauthentication.ts";
import { isCredentialId } from "./passkey-input.ts";
import type { PasskeyRecord } from "./passkey-store.ts";

/** A passkey as the API shows it: never the public key or the counter. `id` is the credential id (base64url). */
export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
  deviceType: PasskeyRecord["deviceType"];
  transports: string[];
}

/** The API's view of a passkey. */
export function passkeyView(passkey: PasskeyRecord): PasskeyView {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
    backedUp: passkey.backedUp,
    deviceType: passkey.deviceType,
    transports: passkey.transports,
  };
}

/**
 * The request's logged-in user, presented by the session cookie (read from the store, never the
 * cookie cache); 403 `cookie_session_required` for a bearer token. Adding, renaming and removing
 * passkeys are a browser's business: a token leaked from a script must not be able to plant a
 * passkey of the attacker's, which would outlive the token and every password change.
 */
export async function requireCookieUser(request: Request, app: Services): Promise<UserSession> {
  const current = await requireUser(request, app);
  if (current.via !== "cookie") {
    throw new GalletaError("cookie_session_required", "Passkeys are managed from the browser, with the session cookie, not with an access token.");
  }
  return current;
}

/**
 * Renames one of the user's passkeys and records `passkey_renamed` with both names, so a passkey
 * renamed to pass for another shows in the activity; 404 `passkey_not_found` unless it is theirs.
 */
export async function renamePasskey(app: Services, { session }: UserSession, id: string, name: string, device: Device): Promise<PasskeyRecord> {
  const before = isCredentialId(id) ? await app.passkeys.rename(session.userId, id, name) : null;
  if (before === null) throw notFound();
  const event = { type: "passkey_renamed" as const, at: new Date(), ...device, sessionId: session.key, passkeyId: before.id, passkeyName: name, previousName: before.name };
  await app.events.record(session.userId, event);
  return { ...before, name };
}

/** Removes one of the user's passkeys (needs a recent log-in) and records `passkey_removed`; 404 unless it is theirs. */
export async function removePasskey(app: Services, { session }: UserSession, id: string, device: Device): Promise<void> {
  const now = new Date();
  requireRecentAuthentication(session, app.config.reauthMs, now);
  const removed = isCredentialId(id) ? await app.passkeys.remove(session.userId, id) : null;
  if (removed === null) throw notFound();
  await app.events.record(session.userId, { type: "passkey_removed", at: now, ...device, sessionId: session.key, passkeyId: removed.id, passkeyName: removed.name });
}

function notFound(): GalletaError {
  return new GalletaError("passkey_not_found", "You have no passkey with that id.");
}
