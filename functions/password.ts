import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { changePassword, readPasswordChange } from "../lib/accounts/password-change.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { sessionView } from "../lib/accounts/views.ts";

/** Changes the password: 200 `{ user, session, revoked }`; every other session ends and this one gets a new id. Needs a recent log-in. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const change = readPasswordChange(await readJson(request));
    const current = await requireUser(request, app);
    const { user, session, revoked } = await changePassword(app, current, change, context.ip, deviceOf(request, context.ip));
    return json({ user, session: sessionView(session), revoked }, 200, current.jar);
  },
});

export const config: Config = { path: "/api/password" };
