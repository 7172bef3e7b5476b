import type { Config } from "@netlify/functions";
import { requireUser } from "../lib/accounts/auth.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { deviceView } from "../lib/sessions/views.ts";

/** The logged-in user's active sessions (devices), the current one marked. */
export default methods({
  GET: async (request) => {
    const app = services();
    const { jar, session } = await requireUser(request, app);
    const sessions = await app.sessions.listForUser(session.userId);
    return json({ sessions: sessions.map((each) => deviceView(each, session.key)) }, 200, jar);
  },
});

export const config: Config = { path: "/api/sessions" };
