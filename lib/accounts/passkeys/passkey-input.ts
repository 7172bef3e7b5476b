import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { GalletaError } from "../../http/errors.ts";
import { invalid } from "../../http/validation.ts";

/**
 * The edges of the passkey routes: untrusted JSON narrowed to the shapes @simplewebauthn/server
 * verifies. Only the shape is checked here (strings where strings go); the library checks the rest,
 * and anything it refuses is 401 `passkey_invalid`.
 */

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** WebAuthn caps credential ids at 1023 bytes (§5.8.3): 1364 base64url characters. */
const MAX_CREDENTIAL_ID = 1364;
const MAX_NAME = 64;

/** 401 `passkey_invalid`: the assertion or attestation does not verify (signature, origin, RP ID, unknown passkey…). */
export function passkeyInvalid(cause?: unknown): GalletaError {
  return new GalletaError("passkey_invalid", "That passkey could not be verified. Try again, or use your password.", { cause });
}

/** 401 `challenge_expired`: no live challenge of this session matches (never issued, replaced, used already, or over 5 minutes old). */
export function challengeExpired(): GalletaError {
  return new GalletaError("challenge_expired", "The passkey request has expired or was used already. Start again.");
}

/** Whether a string can be a credential id (base64url, at most WebAuthn's length), checked before any lookup. */
export function isCredentialId(id: string): boolean {
  return id.length <= MAX_CREDENTIAL_ID && BASE64URL.test(id);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function strings(fields: Record<string, unknown>, names: readonly string[]): boolean {
  return names.every((name) => typeof fields[name] === "string");
}

/** A credential's common fields: `id` and `rawId` base64url, `type`, an object `response`. */
function credential(value: unknown, field: string): { fields: Record<string, unknown>; response: Record<string, unknown> } {
  const fields = record(value);
  const response = record(fields?.response);
  if (fields === undefined || response === undefined || !strings(fields, ["id", "rawId", "type"]) || !isCredentialId(fields.id as string)) {
    throw invalid(field, `${field} must be the credential the browser returned (id, rawId, type, response).`);
  }
  return { fields, response };
}

/** `response` of POST /api/passkeys/registration, shaped as navigator.credentials.create()'s JSON. */
export function readRegistrationResponse(value: unknown, field = "response"): RegistrationResponseJSON {
  const { response } = credential(value, field);
  if (!strings(response, ["clientDataJSON", "attestationObject"])) {
    throw invalid(field, `${field}.response needs clientDataJSON and attestationObject.`);
  }
  return value as RegistrationResponseJSON;
}

/** An assertion, shaped as navigator.credentials.get()'s JSON. */
export function readAuthenticationResponse(value: unknown, field = "response"): AuthenticationResponseJSON {
  const { response } = credential(value, field);
  if (!strings(response, ["clientDataJSON", "authenticatorData", "signature"]) || !(response.userHandle == null || typeof response.userHandle === "string")) {
    throw invalid(field, `${field}.response needs clientDataJSON, authenticatorData and signature.`);
  }
  return value as AuthenticationResponseJSON;
}

/** A passkey's name from a body, or undefined when it has none: see `requirePasskeyName`. */
export function optionalPasskeyName(body: Record<string, unknown>): string | undefined {
  return body.name === undefined ? undefined : requirePasskeyName(body);
}

/** A passkey's name from a body: trimmed, 1 to 64 characters, no control characters; else 400 `invalid_input`. */
export function requirePasskeyName(body: Record<string, unknown>): string {
  const raw = body.name;
  const name = typeof raw === "string" ? raw.trim() : "";
  // A name is shown in lists: no line breaks or other control characters (C0, DEL, C1).
  if (name.length === 0 || name.length > MAX_NAME || /[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw invalid("name", `name must be 1 to ${MAX_NAME} characters, without line breaks.`);
  }
  return name;
}
