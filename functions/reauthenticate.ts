import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { proveIdentity, readIdentityProof } from "../lib/accounts/passkeys/identity-proof.ts";
import { relyingParty } from "../lib/accounts/passkeys/relying-party.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { requireObject } from "../lib/http/validation.ts";
import { services } from "../lib/services.ts";

/**
 * Proves who the user is again, with `{ password }` (throttled like log-in) or `{ passkey }` (an
 * assertion of one of their passkeys): 200 `{ authenticatedAt }`, which opens the window for sensitive actions.
 */
export default methods({
  POST: async (request, context) => {
    const app = services();
    // Who is asking comes first: a caller without a live session learns nothing from input checks.
    const current = await requireUser(request, app);
    const proof = readIdentityProof(requireObject(await readJson(request)));
    const assertion = { rp: relyingParty(request, app.config.webauthn), client: context.ip, device: deviceOf(request, context.ip) };
    const session = await proveIdentity(app, current, proof, assertion);
    return json({ authenticatedAt: session.authenticatedAt?.toISOString() ?? null }, 200, current.jar);
  },
});

export const config: Config = { path: "/api/reauthenticate" };
