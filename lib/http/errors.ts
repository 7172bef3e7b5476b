/** Every error code galleta's API can answer with; `switch (err.code)` is type-checked. */
export type ErrorCode =
  | "invalid_input"
  | "invalid_json"
  | "unauthenticated"
  | "invalid_credentials"
  | "invalid_token"
  | "forbidden_origin"
  | "reauthentication_required"
  | "not_found"
  | "method_not_allowed"
  | "username_taken"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_attempts"
  | "store_unavailable"
  | "cookie_too_large"
  | "server_misconfigured"
  | "internal_error"
  // Passkeys (issue 16).
  | "passkey_invalid"
  | "challenge_expired"
  | "passkey_not_found"
  | "passkey_taken"
  | "cookie_session_required";

const statusByCode: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  invalid_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_token: 401,
  forbidden_origin: 403,
  reauthentication_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  username_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  store_unavailable: 503,
  cookie_too_large: 500,
  server_misconfigured: 500,
  internal_error: 500,
  passkey_invalid: 401,
  challenge_expired: 401,
  passkey_not_found: 404,
  passkey_taken: 409,
  cookie_session_required: 403,
};

/** The cookies a response carries: anything that appends its `Set-Cookie` headers (a `CookieJar`), so this layer needs no cookie code. */
export interface ResponseCookies {
  applyTo(headers: Headers): void;
}

/** Extra detail an error carries to its response: the input field at fault, headers and cookies to send. */
export interface ErrorDetails {
  field?: string;
  headers?: Record<string, string>;
  /** `Set-Cookie`s the error's answer must carry: a request whose session turned out to be gone clears its cookies. */
  cookies?: ResponseCookies | undefined;
  cause?: unknown;
}

/** The base of every error galleta raises on purpose; its `code` decides the HTTP status. */
export class GalletaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: ResponseCookies | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = "GalletaError";
    this.code = code;
    this.status = statusByCode[code];
    this.field = details.field;
    this.headers = details.headers ?? {};
    this.cookies = details.cookies;
  }
}

/** The session or user store cannot be reached in time; the API answers 503. */
export class StoreUnavailableError extends GalletaError {
  constructor(cause: unknown) {
    super("store_unavailable", "The session store is unavailable right now. Try again in a moment.", {
      cause,
      headers: { "Retry-After": "5" },
    });
    this.name = "StoreUnavailableError";
  }
}

/** A cookie would exceed the 4096 bytes browsers keep (RFC 6265 §6.1); raised before any header is sent. */
export class CookieTooLargeError extends GalletaError {
  constructor(name: string, bytes: number) {
    super("cookie_too_large", `Cookie "${name}" would be ${bytes} bytes; browsers keep at most 4096. Store less in it.`);
    this.name = "CookieTooLargeError";
  }
}

/**
 * The deployment is missing a setting or has an unsafe one. `detail` says what to set and goes to
 * the log only (as the cause, which errorResponse logs); the client gets a generic message, since
 * configuration is nobody's business but the operator's.
 */
export class ConfigurationError extends GalletaError {
  readonly detail: string;

  constructor(detail: string) {
    super("server_misconfigured", "The server is not configured correctly. Its operator will find what to set in the function log.", {
      cause: detail,
    });
    this.name = "ConfigurationError";
    this.detail = detail;
  }
}
