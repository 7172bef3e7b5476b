import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requestSession } from "../lib/accounts/auth.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { readCredentials } from "../lib/accounts/login.ts";
import { provePassword, readRemember, startUserSession } from "../lib/accounts/sign-in.ts";
import { services } from "../lib/services.ts";
import { sessionView } from "../lib/sessions/views.ts";

/** Logs in: 200 `{ user, session }` under a new session id every time (against session fixation); `remember: false` for a browser-session cookie. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const body = await readJson(request);
    const { username, password } = readCredentials(body);
    const remember = readRemember(body);
    const device = deviceOf(request, context.ip);
    const { jar, session } = await requestSession(request, app);
    const user = await provePassword(app, username, password, context.ip, device, new Date());
    const created = await startUserSession(app, jar, session, user, { event: "logged_in", remember, device });
    return json({ user, session: sessionView(created) }, 200, jar);
  },
});

export const config: Config = { path: "/api/login" };
