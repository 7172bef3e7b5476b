import type { Config } from "@netlify/functions";
import { requestSession } from "../lib/accounts/auth.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { sessionState } from "../lib/accounts/views.ts";

/** The current session: who is logged in, its dates and the visit counter; one database read at most. */
export default methods({
  GET: async (request) => {
    const { jar, session } = await requestSession(request, services(), { cached: true });
    return json(sessionState(session), 200, jar);
  },
});

export const config: Config = { path: "/api/session" };
