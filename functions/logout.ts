import type { Config } from "@netlify/functions";
import { requestSession } from "../lib/accounts/auth.ts";
import { methods, noContent } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

/** Logs out: deletes the session server-side and clears its cookie, so a replayed cookie or token is worthless. 204 even without a session. */
export default methods({
  POST: async (request) => {
    const app = services();
    const { jar, session } = await requestSession(request, app);
    if (session !== null) await app.sessions.destroy(jar, session);
    return noContent(jar);
  },
});

export const config: Config = { path: "/api/logout" };
