import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { requireString } from "../../http/validation.ts";
import type { SessionRecord } from "../../sessions/session-store.ts";
import type { AppSessionData, Services } from "../app-services.ts";
import type { UserSession } from "../auth.ts";
import { reauthenticate } from "../reauthentication.ts";
import { reauthenticateWithPasskey, type AssertionContext } from "./authentication.ts";
import { readAuthenticationResponse } from "./passkey-input.ts";

/** How a request proves who its user is: the password, or an assertion of one of their passkeys. */
export type IdentityProof = { password: string } | { passkey: AuthenticationResponseJSON };

/** `{ password }` or `{ passkey }` (the browser's assertion) from a JSON body; 400 `invalid_input` naming the field at fault. */
export function readIdentityProof(body: Record<string, unknown>): IdentityProof {
  return body.passkey === undefined ? { password: requireString(body, "password") } : { passkey: readAuthenticationResponse(body.passkey, "passkey") };
}

/**
 * Checks the proof as POST /api/reauthenticate does (the password throttled like log-in; a passkey
 * must be the session user's and answer the session's pending challenge) and records it on the
 * session (`authenticatedAt` now, `reauthenticated`); the session afterwards.
 */
export function proveIdentity(app: Services, current: UserSession, proof: IdentityProof, context: AssertionContext): Promise<SessionRecord<AppSessionData>> {
  return "password" in proof
    ? reauthenticate(app, current, proof.password, context.client, context.device)
    : reauthenticateWithPasskey(app, current, proof.passkey, context);
}
