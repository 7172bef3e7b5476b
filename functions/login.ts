import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requestJar } from "../lib/accounts/auth.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { readCredentials } from "../lib/accounts/login.ts";
import { provePasswordThen, readRemember, startUserSession } from "../lib/accounts/sign-in.ts";
import { services } from "../lib/services.ts";
import { sessionState } from "../lib/accounts/views.ts";

/** Logs in: 200 `{ authenticated: true, user, session, visits }` (as `GET /api/session` then answers) under a new session id every time (against session fixation); `remember: false` for a browser-session cookie. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const body = await readJson(request);
    const { username, password } = readCredentials(body);
    const remember = readRemember(body);
    const device = deviceOf(request, context.ip);
    const jar = requestJar(request, app);
    // The current session (whose data carries over) is read while the password is being checked.
    const current = app.sessions.read(jar);
    current.catch(() => undefined);
    const { result: created } = await provePasswordThen(app, username, password, context.ip, device, new Date(), {
      jar,
      then: async (user, proof) => startUserSession(app, jar, await current, user, { event: "logged_in", remember, device, proof }),
    });
    return json(sessionState(created), 200, jar);
  },
});

export const config: Config = { path: "/api/login" };
