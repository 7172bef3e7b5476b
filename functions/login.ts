import type { Config } from "@netlify/functions";
import { requestSession } from "../lib/accounts/auth.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { logIn, readCredentials } from "../lib/accounts/login.ts";
import { services } from "../lib/services.ts";
import { sessionView, userAgentOf } from "../lib/sessions/views.ts";

/** Logs in: 200 `{ user, session }` under a new session id every time (against session fixation). */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const { username, password } = readCredentials(await readJson(request));
    const { jar, session } = await requestSession(request, app);
    const user = await logIn(app, username, password, context.ip, new Date());
    const created = await app.sessions.regenerate(jar, session, {
      userId: user.id,
      data: { username: user.username },
      userAgent: userAgentOf(request),
    });
    return json({ user, session: sessionView(created) }, 200, jar);
  },
});

export const config: Config = { path: "/api/login" };
