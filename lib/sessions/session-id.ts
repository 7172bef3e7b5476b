import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes in base64url: 43 characters, 256 bits of entropy. */
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new unguessable session id: the value the browser holds, never stored on the server. */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether a value has the shape of a session id; checked before any storage is touched. */
export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

/**
 * The SHA-256 (hex) of a session id: the document's `_id` and the session's public handle, so read
 * access to the collection, or a leaked handle, does not let anyone hijack the session.
 */
export function sessionKey(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

/** Whether a value has the shape of a session key (a public handle). */
export function isSessionKey(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
