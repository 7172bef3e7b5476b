import type { Config } from "@netlify/functions";
import { requestSession } from "../lib/accounts/auth.ts";
import { authenticationOptions } from "../lib/accounts/passkeys/authentication.ts";
import { relyingParty } from "../lib/accounts/passkeys/relying-party.ts";
import { json, methods } from "../lib/http/http.ts";
import { userAgentOf } from "../lib/http/user-agent.ts";
import { services } from "../lib/services.ts";

/** Starts a passkey log-in or re-authentication: 200 with the options for navigator.credentials.get(). No session needed. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const current = await requestSession(request, app, { fresh: true });
    const options = await authenticationOptions(app, current, relyingParty(request, app.config.webauthn), context.ip, userAgentOf(request));
    return json(options, 200, current.jar);
  },
});

export const config: Config = { path: "/api/passkeys/authentication/options" };
