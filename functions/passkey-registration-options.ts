import type { Config } from "@netlify/functions";
import { requireCookieUser } from "../lib/accounts/passkeys/management.ts";
import { registrationOptions } from "../lib/accounts/passkeys/registration.ts";
import { relyingParty } from "../lib/accounts/passkeys/relying-party.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

/** Starts adding a passkey: 200 with the options for navigator.credentials.create(). Cookie session with a recent log-in. */
export default methods({
  POST: async (request) => {
    const app = services();
    const current = await requireCookieUser(request, app);
    const options = await registrationOptions(app, current, relyingParty(request, app.config.webauthn));
    return json(options, 200, current.jar);
  },
});

export const config: Config = { path: "/api/passkeys/registration/options" };
