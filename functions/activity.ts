import type { Config } from "@netlify/functions";
import { requireUser } from "../lib/accounts/auth.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

/** The user's last 50 security events, newest first. */
export default methods({
  GET: async (request) => {
    const app = services();
    const { jar, session } = await requireUser(request, app);
    const events = await app.events.list(session.userId);
    return json({ events: events.map((event) => ({ ...event, at: event.at.toISOString() })) }, 200, jar);
  },
});

export const config: Config = { path: "/api/activity" };
