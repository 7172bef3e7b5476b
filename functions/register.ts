import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requestSession } from "../lib/accounts/auth.ts";
import { registerAccount } from "../lib/accounts/registration.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { readCredentials } from "../lib/accounts/login.ts";
import { readRemember, startUserSession } from "../lib/accounts/sign-in.ts";
import { services } from "../lib/services.ts";
import { sessionState } from "../lib/accounts/views.ts";

/** Creates an account and logs it in: 201 `{ authenticated: true, user, session, visits }` (as `GET /api/session` then answers) and a fresh session cookie (an anonymous session's visits carry over). */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const body = await readJson(request);
    const { username, password } = readCredentials(body);
    const remember = readRemember(body);
    const { jar, session } = await requestSession(request, app);
    const { user, proof } = await registerAccount(app, username, password, context.ip, new Date());
    const created = await startUserSession(app, jar, session, user, { event: "registered", remember, device: deviceOf(request, context.ip), proof });
    return json(sessionState(created), 201, jar);
  },
});

export const config: Config = { path: "/api/register" };
