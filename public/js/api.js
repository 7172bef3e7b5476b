// @ts-check
/**
 * The galleta API as typed functions. Every failure — an error answer, a
 * network failure, a body that isn't the JSON we expect — becomes one
 * `ApiError` with a code, so pages have a single thing to catch and show.
 */

/**
 * The server's error codes, then two of our own: the request never got an
 * answer (`network_error`), or the answer was not one of ours (`unexpected_response`).
 * @typedef {"invalid_input" | "invalid_json" | "unauthenticated" | "invalid_credentials"
 *   | "forbidden_origin" | "not_found" | "method_not_allowed" | "username_taken"
 *   | "payload_too_large" | "unsupported_media_type" | "too_many_attempts"
 *   | "store_unavailable" | "reauthentication_required" | "passkey_invalid" | "challenge_expired"
 *   | "passkey_not_found" | "passkey_taken" | "cookie_session_required"
 *   | "network_error" | "unexpected_response"} ErrorCode
 */

const SERVER_CODES = new Set([
  "invalid_input", "invalid_json", "unauthenticated", "invalid_credentials",
  "forbidden_origin", "not_found", "method_not_allowed", "username_taken",
  "payload_too_large", "unsupported_media_type", "too_many_attempts", "store_unavailable",
  "reauthentication_required",
  "passkey_invalid", "challenge_expired", "passkey_not_found", "passkey_taken", "cookie_session_required",
]);

/** @import { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/browser" */

/** @typedef {{ id: string, username: string }} User */
/**
 * A session as the API shows it. `authenticatedAt` is when its user last gave
 * the password (null for an anonymous session); `remember` is false for a
 * session that ends with the browser.
 * @typedef {{ createdAt: string, lastSeenAt: string, expiresAt: string, absoluteExpiresAt: string,
 *   authenticatedAt: string | null, remember: boolean }} SessionTimes
 */
/** What `GET /api/session` says of a signed-in session, and what log-in, registration and a passkey log-in answer. */
/** @typedef {{ authenticated: true, user: User, session: SessionTimes, visits: number }} SignedInState */
/** What `GET /api/session` answers, and a visit too (with `firstVisit`). */
/** @typedef {{ authenticated: false, visits: number } | SignedInState} SessionState */
/** @typedef {{ id: string, current: boolean, createdAt: string, lastSeenAt: string, expiresAt: string, userAgent: string }} Device */
/**
 * What `GET /api/activity` lists.
 * @typedef {"registered" | "logged_in" | "logged_out" | "session_revoked" | "signed_out_everywhere_else"
 *   | "password_changed" | "reauthenticated" | "session_evicted" | "login_failed"
 *   | "passkey_added" | "passkey_renamed" | "passkey_removed" | "passkey_used" | "passkey_clone_suspected"} ActivityType
 */
/**
 * One security event: when, from which browser and which network (an address
 * truncated to its /24 or /48); `count` for failed log-ins, the sessions
 * concerned for a revocation; `method` when a log-in or re-authentication used
 * a passkey, and which passkey for that and the passkey events (a rename: its
 * new name, and the one it had).
 * @typedef {{ type: ActivityType, at: string, userAgent: string | null, network: string | null,
 *   count?: number, sessionId?: string, bySessionId?: string,
 *   method?: "passkey", passkeyId?: string, passkeyName?: string, previousName?: string }} ActivityEvent
 */
/**
 * A passkey as `GET /api/passkeys` lists it. `backedUp` is true for a passkey
 * synced by a password manager; `deviceType` is `multiDevice` for one that can be.
 * @typedef {{ id: string, name: string, createdAt: string, lastUsedAt: string | null, backedUp: boolean,
 *   deviceType: "singleDevice" | "multiDevice", transports: string[] }} Passkey
 */
/** @typedef {{ cookies: Record<string, string>, signedCookies: Record<string, string>, invalidSignedCookies: string[] }} ReceivedCookies */
/** @typedef {{ name: string, value: string, maxAge?: number, signed: boolean, httpOnly: boolean }} CookieRequest */
/**
 * @typedef {{
 *   activeSessions: number,
 *   ttlIndex: { name: string, key: Record<string, number>, expireAfterSeconds: number } | null,
 *   expiries: { from: string, bucketSeconds: number, counts: number[] },
 *   idleTimeoutSeconds: number,
 *   absoluteTimeoutSeconds: number,
 * }} Stats
 */

/** A failed API call, whatever the reason. */
export class ApiError extends Error {
  /**
   * @param {{ code: ErrorCode, status: number, message: string, serverMessage?: string, field?: string, retryAfterSeconds?: number }} init
   */
  constructor({ code, status, message, serverMessage, field, retryAfterSeconds }) {
    super(message);
    this.name = "ApiError";
    /** @readonly */
    this.code = code;
    /** HTTP status, or 0 when there was no answer. @readonly */
    this.status = status;
    /** The server's own English sentence, when it sent one. @readonly */
    this.serverMessage = serverMessage;
    /** The one input at fault, for `invalid_input`. @readonly */
    this.field = field;
    /** From `Retry-After`, for `too_many_attempts`. @readonly */
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The page's requests that may set the session cookie, one after another. Two
 * such answers in flight at once could land in either order, and the later one
 * wins the cookie: the autofill's passkey options (which give a visitor without
 * a session an anonymous one) answered after a password log-in and put the
 * anonymous session back in place of the new one. Reads run beside them.
 * @type {Promise<unknown>}
 */
let pendingWrite = Promise.resolve();

/**
 * Sends one request and returns the parsed JSON body, or `undefined` for 204.
 * Cookies go along by default (same origin), and the browser adds `Origin`.
 * Every method but GET waits for the page's previous one (see `pendingWrite`).
 * @param {"GET" | "POST" | "PATCH" | "DELETE"} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
function request(method, path, body) {
  if (method === "GET") return send(method, path, body);
  const turn = pendingWrite.then(() => send(method, path, body));
  pendingWrite = turn.catch(() => undefined);
  return turn;
}

/**
 * `request` without the ordering.
 * @param {"GET" | "POST" | "PATCH" | "DELETE"} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
async function send(method, path, body) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError({ code: "network_error", status: 0, message: "The request got no answer." });
  }
  if (response.status === 204) return undefined;
  /** @type {unknown} */
  let data;
  try {
    data = await response.json();
  } catch {
    // A proxy's or the platform's own error page; a 429 keeps its meaning.
    throw new ApiError({
      code: response.status === 429 ? "too_many_attempts" : "unexpected_response",
      status: response.status,
      message: "The answer was not JSON.",
      retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")),
    });
  }
  if (!response.ok) throw toApiError(response, data);
  return data;
}

/** @param {Response} response @param {unknown} data */
function toApiError(response, data) {
  const error = isRecord(data) && isRecord(data.error) ? data.error : undefined;
  const code = typeof error?.code === "string" && SERVER_CODES.has(error.code) ? /** @type {ErrorCode} */ (error.code) : "unexpected_response";
  const serverMessage = typeof error?.message === "string" ? error.message : undefined;
  return new ApiError({
    code,
    status: response.status,
    message: serverMessage ?? `HTTP ${response.status}`,
    serverMessage,
    field: typeof error?.field === "string" ? error.field : undefined,
    retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")),
  });
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === "object" && value !== null;
}

/** Seconds to wait, from either form of `Retry-After` (RFC 9110 §10.2.3). */
/** @param {string | null} header */
function parseRetryAfter(header) {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

// The server is ours and its answers follow the contract in issue 5, so the
// typed wrappers below trust the shape of a successful body.

/** `GET /api/session`: who is signed in, the session's times and the visit count. */
export function getSession() {
  return /** @type {Promise<SessionState>} */ (request("GET", "/api/session"));
}

/**
 * `POST /api/register`: creates the account and signs it in; with `remember`
 * false the session ends when the browser closes. The new session's state.
 * @param {string} username @param {string} password @param {boolean} [remember]
 */
export function register(username, password, remember = true) {
  return /** @type {Promise<SignedInState>} */ (request("POST", "/api/register", { username, password, remember }));
}

/** `POST /api/login`, under a new session id; `remember` as for `register`. The new session's state. */
/** @param {string} username @param {string} password @param {boolean} [remember] */
export function login(username, password, remember = true) {
  return /** @type {Promise<SignedInState>} */ (request("POST", "/api/login", { username, password, remember }));
}

/** `POST /api/logout` (204): afterwards the browser has no session, so none of its visits either. */
export async function logout() {
  await request("POST", "/api/logout", {});
}

/**
 * `POST /api/visits`: counts one visit, creating an anonymous session if there
 * is none (also when the cookie's session was revoked); the session's state afterwards.
 */
export function countVisit() {
  return /** @type {Promise<SessionState & { firstVisit: boolean }>} */ (request("POST", "/api/visits", {}));
}

/** `GET /api/sessions`: the signed-in user's active sessions. */
export async function listDevices() {
  const data = /** @type {{ sessions: Device[] }} */ (await request("GET", "/api/sessions"));
  return data.sessions;
}

/** `DELETE /api/sessions/:id`: signs another device out. */
/** @param {string} id */
export async function revokeDevice(id) {
  await request("DELETE", `/api/sessions/${encodeURIComponent(id)}`);
}

/** `DELETE /api/sessions`: signs out every other session of the user; needs a recent log-in. */
export async function signOutOthers() {
  const { revoked } = /** @type {{ revoked: number }} */ (await request("DELETE", "/api/sessions"));
  return revoked;
}

/**
 * `POST /api/password`: replaces the password, signs out every other session
 * and gives this one a new id; needs a recent log-in.
 * @param {string} currentPassword @param {string} newPassword
 */
export function changePassword(currentPassword, newPassword) {
  return /** @type {Promise<{ user: User, session: SessionTimes, revoked: number }>} */ (
    request("POST", "/api/password", { currentPassword, newPassword })
  );
}

/** `POST /api/reauthenticate`: proves the password again, for the actions that need a recent log-in. */
/** @param {string} password */
export function reauthenticate(password) {
  return /** @type {Promise<{ authenticatedAt: string }>} */ (request("POST", "/api/reauthenticate", { password }));
}

/**
 * `POST /api/passkeys/authentication/options`: a challenge for a passkey log-in
 * or re-authentication, for any passkey of the site (no username).
 */
export function passkeyAuthenticationOptions() {
  return /** @type {Promise<PublicKeyCredentialRequestOptionsJSON>} */ (request("POST", "/api/passkeys/authentication/options", {}));
}

/**
 * `POST /api/passkeys/authentication`: logs in with the passkey the browser
 * returned, under a new session id; `remember` as for `login`. The new session's state.
 * @param {AuthenticationResponseJSON} response @param {boolean} [remember]
 */
export function logInWithPasskey(response, remember = true) {
  return /** @type {Promise<SignedInState>} */ (request("POST", "/api/passkeys/authentication", { response, remember }));
}

/** `POST /api/reauthenticate` with a passkey instead of the password. */
/** @param {AuthenticationResponseJSON} passkey */
export function reauthenticateWithPasskey(passkey) {
  return /** @type {Promise<{ authenticatedAt: string }>} */ (request("POST", "/api/reauthenticate", { passkey }));
}

/**
 * `POST /api/passkeys/registration/options`: a challenge to create a passkey,
 * given only with the password or an assertion of one of the user's passkeys
 * in the same request.
 * @param {{ password: string } | { passkey: AuthenticationResponseJSON }} proof
 */
export function passkeyRegistrationOptions(proof) {
  return /** @type {Promise<PublicKeyCredentialCreationOptionsJSON>} */ (request("POST", "/api/passkeys/registration/options", proof));
}

/**
 * `POST /api/passkeys/registration`: keeps the passkey the browser created,
 * under `name` if given (else the server names it).
 * @param {RegistrationResponseJSON} response @param {string} [name]
 */
export async function addPasskey(response, name) {
  const { passkey } = /** @type {{ passkey: Passkey }} */ (await request("POST", "/api/passkeys/registration", name ? { response, name } : { response }));
  return passkey;
}

/** `GET /api/passkeys`: the user's passkeys. */
export async function listPasskeys() {
  const { passkeys } = /** @type {{ passkeys: Passkey[] }} */ (await request("GET", "/api/passkeys"));
  return passkeys;
}

/** `PATCH /api/passkeys/:id`: renames a passkey. */
/** @param {string} id @param {string} name */
export async function renamePasskey(id, name) {
  const { passkey } = /** @type {{ passkey: Passkey }} */ (await request("PATCH", `/api/passkeys/${encodeURIComponent(id)}`, { name }));
  return passkey;
}

/** `DELETE /api/passkeys/:id`: forgets a passkey, which then logs in no more; needs a recent log-in. */
/** @param {string} id */
export async function deletePasskey(id) {
  await request("DELETE", `/api/passkeys/${encodeURIComponent(id)}`);
}

/** `GET /api/activity`: the user's latest security events, newest first. */
export async function listActivity() {
  const { events } = /** @type {{ events: ActivityEvent[] }} */ (await request("GET", "/api/activity"));
  return events;
}

/** `DELETE /api/account`: deletes the user with every session and event; needs a recent log-in. */
export async function deleteAccount() {
  await request("DELETE", "/api/account");
}

/** `GET /api/cookies`: the cookies the server received, sorted as cookie-parser sorts them. */
export function getCookies() {
  return /** @type {Promise<ReceivedCookies>} */ (request("GET", "/api/cookies"));
}

/** `POST /api/cookies`. */
/** @param {CookieRequest} cookie */
export function setCookie(cookie) {
  return /** @type {Promise<{ cookie: { name: string, signed: boolean, httpOnly: boolean, maxAge: number | null } }>} */ (
    request("POST", "/api/cookies", cookie)
  );
}

/** `DELETE /api/cookies/:name`. */
/** @param {string} name */
export async function deleteCookie(name) {
  await request("DELETE", `/api/cookies/${encodeURIComponent(name)}`);
}

/** `GET /api/stats`: live figures about the session store. */
export function getStats() {
  return /** @type {Promise<Stats>} */ (request("GET", "/api/stats"));
}
