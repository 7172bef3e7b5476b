import type { Config } from "@netlify/functions";
import { requestSession } from "../lib/accounts/auth.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { readCredentials } from "../lib/accounts/login.ts";
import { services } from "../lib/services.ts";
import { sessionView, userAgentOf } from "../lib/sessions/views.ts";

/** Creates an account and logs it in: 201 `{ user }` and a fresh session cookie (an anonymous session's visits carry over). */
export default methods({
  POST: async (request) => {
    const app = services();
    const { username, password } = readCredentials(await readJson(request));
    const { jar, session } = await requestSession(request, app);
    const user = await app.users.register(username, password, new Date());
    const created = await app.sessions.regenerate(jar, session, {
      userId: user.id,
      data: { username: user.username },
      userAgent: userAgentOf(request),
    });
    return json({ user, session: sessionView(created) }, 201, jar);
  },
});

export const config: Config = { path: "/api/register" };
