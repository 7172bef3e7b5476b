import type { Config } from "@netlify/functions";
import { startAnonymousSession } from "../lib/accounts/anonymous-sessions.ts";
import { changeRequestSession } from "../lib/accounts/auth.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { userAgentOf } from "../lib/http/user-agent.ts";
import { sessionState } from "../lib/accounts/views.ts";

/**
 * The lecture's visit counter: increments `visits` atomically (one database command), starting an
 * anonymous session if there is none (under the limits of `startAnonymousSession`, else 429).
 * Answers the session's state as `GET /api/session` would, plus `firstVisit`: the visit moved the idle
 * expiry, and a session revoked meanwhile comes back as a new anonymous one, so a page renders both from here.
 */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const { jar, session } = await changeRequestSession(request, app, { inc: { visits: 1 } });
    const current =
      session ?? (await startAnonymousSession(app, jar, context.ip, { data: { visits: 1 }, userAgent: userAgentOf(request) }));
    const state = sessionState(current);
    return json({ ...state, firstVisit: state.visits === 1 }, 200, jar);
  },
});

export const config: Config = { path: "/api/visits" };
