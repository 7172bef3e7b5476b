import { GalletaError } from "./errors.ts";

/** A JSON object body, or 400 `invalid_input`. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GalletaError("invalid_input", "The body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

/** A string field of the body, or 400 `invalid_input` naming the field. */
export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string") throw invalid(field, `${field} is required and must be a string.`);
  return value;
}

/** An optional boolean field (undefined when absent), or 400 `invalid_input`. */
export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalid(field, `${field} must be true or false.`);
  return value;
}

/** The 400 `invalid_input` error for one field. */
export function invalid(field: string, message: string): GalletaError {
  return new GalletaError("invalid_input", message, { field });
}
