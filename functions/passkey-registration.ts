import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { passkeyView, requireCookieUser } from "../lib/accounts/passkeys/management.ts";
import { optionalPasskeyName, readRegistrationResponse } from "../lib/accounts/passkeys/passkey-input.ts";
import { registerPasskey } from "../lib/accounts/passkeys/registration.ts";
import { relyingParty } from "../lib/accounts/passkeys/relying-party.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { requireObject } from "../lib/http/validation.ts";
import { services } from "../lib/services.ts";

/** Finishes adding a passkey: `{ response, name? }` → 201 `{ passkey }`. Cookie session with a recent log-in. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const body = requireObject(await readJson(request));
    const response = readRegistrationResponse(body.response);
    const name = optionalPasskeyName(body);
    const current = await requireCookieUser(request, app);
    const rp = relyingParty(request, app.config.webauthn);
    const passkey = await registerPasskey(app, current, rp, response, name, deviceOf(request, context.ip));
    return json({ passkey: passkeyView(passkey) }, 201, current.jar);
  },
});

export const config: Config = { path: "/api/passkeys/registration" };
