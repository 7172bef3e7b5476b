import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requestSession } from "../lib/accounts/auth.ts";
import { CLEAR_SITE_DATA, logOut } from "../lib/accounts/session-control.ts";
import { methods, noContent } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

/** Logs out: deletes the session server-side and clears its cookie, so a replayed cookie or token is worthless. 204 even without a session. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const { jar, session } = await requestSession(request, app);
    if (session !== null) await logOut(app, jar, session, deviceOf(request, context.ip));
    return noContent(jar, CLEAR_SITE_DATA);
  },
});

export const config: Config = { path: "/api/logout" };
