import { CookieJar } from "./cookie-jar.ts";
import { GalletaError } from "./errors.ts";
import type { SessionRecord } from "./session-store.ts";
import { assertSameOrigin } from "./same-origin.ts";
import type { AppSessionData, Services } from "./services.ts";
import { invalidToken, verifyToken } from "./tokens.ts";

/** A request's session and how it was presented. */
export interface RequestSession {
  jar: CookieJar;
  session: SessionRecord<AppSessionData> | null;
  via: "cookie" | "bearer" | "none";
}

/** A request whose session belongs to a logged-in user. */
export interface UserSession extends RequestSession {
  session: SessionRecord<AppSessionData> & { userId: string };
}

/**
 * The session a request presents: an `Authorization: Bearer` token when there is one (and then
 * never the cookie), else the signed session cookie. A bad token is 401 `invalid_token`; a missing,
 * tampered or expired cookie is simply no session. Cross-site state changes are refused first.
 */
export async function requestSession(request: Request, app: Services): Promise<RequestSession> {
  assertSameOrigin(request);
  const jar = new CookieJar(request, app.config.secrets);
  const authorization = request.headers.get("authorization");
  if (authorization === null) {
    const session = await app.sessions.read(jar);
    return { jar, session, via: session === null ? "none" : "cookie" };
  }
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization.trim());
  if (match?.[1] === undefined) throw invalidToken("Send the access token as `Authorization: Bearer <token>`.");
  const claims = await verifyToken(match[1], app.config.secrets, new Date());
  const session = await app.sessions.readByKey(claims.sessionKey);
  if (session === null || session.userId !== claims.userId) throw invalidToken();
  return { jar, session, via: "bearer" };
}

/** The request's session if it belongs to a logged-in user, else 401 `unauthenticated`. */
export async function requireUser(request: Request, app: Services): Promise<UserSession> {
  const current = await requestSession(request, app);
  if (current.session?.userId == null) {
    throw new GalletaError("unauthenticated", "Log in first.", { headers: { "WWW-Authenticate": 'Bearer realm="galleta"' } });
  }
  return current as UserSession;
}
