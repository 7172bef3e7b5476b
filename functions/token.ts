import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { GalletaError } from "../lib/http/errors.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { readCredentials } from "../lib/accounts/login.ts";
import { requireRecentAuthentication } from "../lib/accounts/reauthentication.ts";
import { provePasswordThen, startUserSession } from "../lib/accounts/sign-in.ts";
import { services } from "../lib/services.ts";
import { issueToken } from "../lib/accounts/tokens.ts";

/**
 * Access tokens for API clients: with `{ username, password }` a new server-side session is started
 * for the client (a remembered one, under the session cap); without a body the caller's logged-in
 * session is used, which needs a recent log-in and the session cookie: a token never mints a token.
 * The token names that session, so revoking it or logging out invalidates the token.
 */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const now = new Date();
    const hasBody = request.headers.has("content-type") || Number(request.headers.get("content-length") ?? "0") > 0;
    const bound = hasBody ? await sessionForCredentials(request, context.ip, now) : await recentSession(request);
    const { token, expiresAt } = await issueToken({ userId: bound.userId, sessionKey: bound.key }, app.config.secrets, now);
    return json({ token, tokenType: "Bearer", expiresAt: expiresAt.toISOString() });
  },
});

async function sessionForCredentials(request: Request, client: string, now: Date) {
  const app = services();
  const { username, password } = readCredentials(await readJson(request));
  const device = deviceOf(request, client);
  const { result } = await provePasswordThen(app, username, password, client, device, now, {
    then: (user, proof) => startUserSession(app, undefined, null, user, { event: "logged_in", remember: true, device, proof }),
  });
  return result;
}

async function recentSession(request: Request) {
  const app = services();
  const { session, via } = await requireUser(request, app);
  // A token that could mint the next one would renew itself for as long as its session lasts.
  if (via !== "cookie") throw new GalletaError("cookie_session_required", "A token comes from a browser's session cookie or from the password, never from another token.");
  requireRecentAuthentication(session, app.config.reauthMs, new Date());
  return session;
}

export const config: Config = { path: "/api/token" };
