import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { reauthenticateWithPasskey } from "../lib/accounts/passkeys/authentication.ts";
import { readAuthenticationResponse } from "../lib/accounts/passkeys/passkey-input.ts";
import { relyingParty } from "../lib/accounts/passkeys/relying-party.ts";
import { reauthenticate } from "../lib/accounts/reauthentication.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { requireObject, requireString } from "../lib/http/validation.ts";
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
    const body = requireObject(await readJson(request));
    const passkey = body.passkey === undefined ? undefined : readAuthenticationResponse(body.passkey, "passkey");
    const password = passkey === undefined ? requireString(body, "password") : "";
    const device = deviceOf(request, context.ip);
    const session =
      passkey === undefined
        ? await reauthenticate(app, current, password, context.ip, device)
        : await reauthenticateWithPasskey(app, current, passkey, { rp: relyingParty(request, app.config.webauthn), device });
    return json({ authenticatedAt: session.authenticatedAt?.toISOString() ?? null }, 200, current.jar);
  },
});

export const config: Config = { path: "/api/reauthenticate" };
