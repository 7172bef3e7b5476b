import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { signOutEverywhereElse } from "../lib/accounts/session-control.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { deviceView } from "../lib/accounts/views.ts";

/** The logged-in user's active sessions (devices), the current one marked; DELETE signs out every other one. */
export default methods({
  GET: async (request) => {
    const app = services();
    const { jar, session } = await requireUser(request, app);
    const sessions = await app.sessions.listForUser(session.userId);
    return json({ sessions: sessions.map((each) => deviceView(each, session.key)) }, 200, jar);
  },
  DELETE: async (request, context) => {
    const app = services();
    const current = await requireUser(request, app);
    const revoked = await signOutEverywhereElse(app, current, deviceOf(request, context.ip));
    return json({ revoked }, 200, current.jar);
  },
});

export const config: Config = { path: "/api/sessions" };
