import type { Config } from "@netlify/functions";
import { requireUser } from "../lib/accounts/auth.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { logIn, readCredentials } from "../lib/accounts/login.ts";
import { services } from "../lib/services.ts";
import { issueToken } from "../lib/accounts/tokens.ts";
import { userAgentOf } from "../lib/sessions/views.ts";

/**
 * Access tokens for API clients: with `{ username, password }` a new server-side session is started
 * for the client; without a body the caller's logged-in session is used. The token names that
 * session, so revoking it or logging out invalidates the token.
 */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const now = new Date();
    const hasBody = request.headers.has("content-type") || Number(request.headers.get("content-length") ?? "0") > 0;
    const bound = hasBody ? await sessionForCredentials(request, context.ip, now) : (await requireUser(request, app)).session;
    const { token, expiresAt } = await issueToken({ userId: bound.userId, sessionKey: bound.key }, app.config.secrets, now);
    return json({ token, tokenType: "Bearer", expiresAt: expiresAt.toISOString() });
  },
});

async function sessionForCredentials(request: Request, client: string, now: Date) {
  const app = services();
  const { username, password } = readCredentials(await readJson(request));
  const user = await logIn(app, username, password, client, now);
  const data = { username: user.username };
  return { ...(await app.sessions.create(undefined, { userId: user.id, data, userAgent: userAgentOf(request) })), userId: user.id };
}

export const config: Config = { path: "/api/token" };
