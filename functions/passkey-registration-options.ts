import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { readIdentityProof } from "../lib/accounts/passkeys/identity-proof.ts";
import { requireCookieUser } from "../lib/accounts/passkeys/management.ts";
import { registrationOptions } from "../lib/accounts/passkeys/registration.ts";
import { relyingParty } from "../lib/accounts/passkeys/relying-party.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { requireObject } from "../lib/http/validation.ts";
import { services } from "../lib/services.ts";

/**
 * Starts adding a passkey: `{ password }` or `{ passkey }` (proved in this very request) → 200 with
 * the options for navigator.credentials.create(). Cookie sessions only.
 */
export default methods({
  POST: async (request, context) => {
    const app = services();
    // Who is asking comes first: a caller without a live session learns nothing from input checks.
    const current = await requireCookieUser(request, app);
    const proof = readIdentityProof(requireObject(await readJson(request)));
    const device = deviceOf(request, context.ip);
    const options = await registrationOptions(app, current, relyingParty(request, app.config.webauthn), proof, { client: context.ip, device });
    return json(options, 200, current.jar);
  },
});

export const config: Config = { path: "/api/passkeys/registration/options" };
