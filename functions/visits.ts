import type { Config } from "@netlify/functions";
import { changeRequestSession } from "../lib/accounts/auth.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { userAgentOf } from "../lib/http/user-agent.ts";

/** The lecture's visit counter: increments `visits` atomically (one database command), starting an anonymous session if there is none. */
export default methods({
  POST: async (request) => {
    const app = services();
    const { jar, session } = await changeRequestSession(request, app, { inc: { visits: 1 } });
    const current =
      session ?? (await app.sessions.create(jar, { userId: null, data: { visits: 1 }, userAgent: userAgentOf(request) }));
    const visits = current.data.visits ?? 0;
    return json({ visits, firstVisit: visits === 1 }, 200, jar);
  },
});

export const config: Config = { path: "/api/visits" };
