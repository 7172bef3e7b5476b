import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requestJar } from "../lib/accounts/auth.ts";
import { signInWithPasskey } from "../lib/accounts/passkeys/authentication.ts";
import { readAuthenticationResponse } from "../lib/accounts/passkeys/passkey-input.ts";
import { relyingParty } from "../lib/accounts/passkeys/relying-party.ts";
import { readRemember } from "../lib/accounts/sign-in.ts";
import { sessionState } from "../lib/accounts/views.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { requireObject } from "../lib/http/validation.ts";
import { services } from "../lib/services.ts";

/** Logs in with a passkey: `{ response, remember? }` → 200 `{ authenticated: true, user, session, visits }` under a new session id, exactly as POST /api/login. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const body = requireObject(await readJson(request));
    const response = readAuthenticationResponse(body.response);
    const remember = readRemember(body);
    const jar = requestJar(request, app);
    const previous = await app.sessions.read(jar);
    const assertion = { rp: relyingParty(request, app.config.webauthn), client: context.ip, device: deviceOf(request, context.ip) };
    const session = await signInWithPasskey(app, jar, previous, response, remember, assertion);
    return json(sessionState(session), 200, jar);
  },
});

export const config: Config = { path: "/api/passkeys/authentication" };
