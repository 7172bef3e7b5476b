import { CookieJar } from "../cookies/cookie-jar.ts";
import { GalletaError } from "../http/errors.ts";
import type { SessionChange, SessionRecord } from "../sessions/session-store.ts";
import { assertSameOrigin } from "../http/same-origin.ts";
import type { AppSessionData, Services } from "./app-services.ts";
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

/** How a route reads the session. */
export interface ReadOptions {
  /**
   * Accept the cookie cache's copy instead of reading the store: only for the plain session read
   * (`GET /api/session`). Everything else reads the store, so a logout, revocation, password change
   * or account deletion binds at once even for someone holding a copied `sid` + `sid.cache` pair
   * (issue 15); a new route is safe without saying anything.
   */
  cached?: boolean;
}

/**
 * The session a request presents: an `Authorization: Bearer` token when there is one (and then
 * never the cookie), else the signed session cookie. A bad token is 401 `invalid_token`; a missing,
 * tampered or expired cookie is simply no session. Cross-site state changes are refused first.
 */
export async function requestSession(request: Request, app: Services, options: ReadOptions = {}): Promise<RequestSession> {
  const jar = requestJar(request, app, { verifiesBearer: true });
  const authorization = request.headers.get("authorization");
  if (authorization === null) {
    const session = await app.sessions.read(jar, options);
    return { jar, session, via: session === null ? "none" : "cookie" };
  }
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization.trim());
  if (match?.[1] === undefined) throw invalidToken("Send the access token as `Authorization: Bearer <token>`.");
  const claims = await verifyToken(match[1], app.config.secrets, new Date());
  const session = await app.sessions.readByKey(claims.sessionKey);
  if (session === null || session.userId !== claims.userId) throw invalidToken();
  return { jar, session, via: "bearer" };
}

/** The request's cookie jar, once the request has passed the cross-site check (`verifiesBearer` only where a bearer token is then verified). */
export function requestJar(request: Request, app: Services, options: { verifiesBearer?: boolean } = {}): CookieJar {
  assertSameOrigin(request, options);
  return new CookieJar(request, app.config.secrets);
}

/**
 * Applies `change` to the request's session in one store call: by the cookie's key without reading
 * the session first, or, for a bearer token, to the session the token is bound to. Null when the
 * request has no live session.
 */
export async function changeRequestSession(request: Request, app: Services, change: SessionChange): Promise<RequestSession> {
  if (request.headers.has("authorization")) {
    const current = await requestSession(request, app);
    const session = current.session === null ? null : await app.sessions.update(current.jar, current.session, change);
    return { ...current, session };
  }
  const jar = requestJar(request, app);
  const session = await app.sessions.updateFromCookie(jar, change);
  return { jar, session, via: session === null ? "none" : "cookie" };
}

/**
 * The request's session if it belongs to a logged-in user, else 401 `unauthenticated`, whose answer
 * clears a session cookie that named no live session (as a plain read's does).
 */
export async function requireUser(request: Request, app: Services, options: ReadOptions = {}): Promise<UserSession> {
  const current = await requestSession(request, app, options);
  if (current.session?.userId == null) {
    throw new GalletaError("unauthenticated", "Log in first.", { headers: { "WWW-Authenticate": 'Bearer realm="galleta"' }, cookies: current.jar });
  }
  return current as UserSession;
}

/**
 * `error`, answered with the session cookie and its cached copy cleared, and nothing else the
 * request had queued: for a browser whose session turned out to be gone (it ended meanwhile, its
 * account was deleted, or a sign-in replaced it and then could not keep its own). Without that the
 * browser would keep presenting it, and within SESSION_CACHE_SECONDS its cached copy would still
 * read as logged in. A bearer token's request keeps its cookies: they are not the token's session.
 */
export function sessionGone(app: Services, { jar, via }: Pick<RequestSession, "jar" | "via">, error: GalletaError): GalletaError {
  if (via !== "cookie") return error;
  jar.discardQueued();
  app.sessions.clearCookie(jar);
  return new GalletaError(error.code, error.message, { field: error.field, headers: { ...error.headers }, cookies: jar, cause: error.cause });
}

/**
 * Runs `action` for a logged-in browser. When it fails with a 401 (a wrong password, an unknown
 * passkey, a session that ended meanwhile), one more round trip tells whether the session or its
 * account is gone, a deletion or a password change elsewhere having landed during the request; if
 * so the failure is answered with the cookies cleared (`sessionGone`). Successes cost nothing.
 */
export async function clearingIfGone<T>(app: Services, current: UserSession, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof GalletaError) || error.status !== 401 || error.cookies !== undefined || current.via !== "cookie") throw error;
    const [session, user] = await Promise.all([app.store.get(current.session.key, new Date()), app.users.findById(current.session.userId)]);
    throw session === null || user === null ? sessionGone(app, current, error) : error;
  }
}
