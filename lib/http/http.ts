import { runAfterResponse } from "./after-response.ts";
import { GalletaError, type ResponseCookies } from "./errors.ts";

/** What a function needs from Netlify's `Context`: the client address, the path parameters and the deploy context. */
export interface RequestContext {
  ip: string;
  params: Record<string, string>;
  /** Netlify's deploy context at run time ("production", "deploy-preview", "branch-deploy"…); empty under netlify dev, absent outside Netlify. */
  deploy?: { context: string };
}

/** A Netlify Functions v2 handler. */
export type Handler = (request: Request, context: RequestContext) => Promise<Response>;

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Request bodies above this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 16 * 1024;

const API_HEADERS = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" } as const;

/** A JSON response with the API's headers and the jar's cookies. */
export function json(body: unknown, status = 200, jar?: ResponseCookies, extraHeaders: Record<string, string> = {}): Response {
  const headers = new Headers({ ...API_HEADERS, "Content-Type": "application/json; charset=utf-8", ...extraHeaders });
  jar?.applyTo(headers);
  return new Response(JSON.stringify(body), { status, headers });
}

/** A 204 with the jar's cookies. */
export function noContent(jar?: ResponseCookies, extraHeaders: Record<string, string> = {}): Response {
  const headers = new Headers({ ...API_HEADERS, ...extraHeaders });
  jar?.applyTo(headers);
  return new Response(null, { status: 204, headers });
}

/**
 * The one place an error becomes a response: galleta's own errors keep their code and status, and
 * anything else is logged and answered with a generic 500, never a stack trace or a driver message.
 */
export function errorResponse(error: unknown): Response {
  if (error instanceof GalletaError) {
    if (error.status >= 500) console.error(`galleta: ${error.code}:`, error.cause ?? error.message);
    const body = { error: { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) } };
    return json(body, error.status, error.cookies, { ...error.headers });
  }
  console.error("galleta: unexpected error:", error);
  return json({ error: { code: "internal_error", message: "Something went wrong on our side." } }, 500);
}

/**
 * A handler that dispatches on the method (405 with `Allow` for others; HEAD follows GET) and turns
 * every thrown error into the API's JSON error.
 */
export function methods(handlers: Partial<Record<Method, Handler>>): Handler {
  const allowed = Object.keys(handlers);
  if (handlers.GET !== undefined) allowed.push("HEAD");
  return async (request, context) => {
    const method = request.method === "HEAD" ? "GET" : request.method;
    const handler = Object.hasOwn(handlers, method) ? handlers[method as Method] : undefined;
    try {
      if (handler === undefined) {
        throw new GalletaError("method_not_allowed", `${request.method.slice(0, 16)} is not allowed here; use ${allowed.join(", ")}.`, {
          headers: { Allow: allowed.join(", ") },
        });
      }
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error);
    } finally {
      runAfterResponse();
    }
  };
}

/** Reads a JSON body: 415 unless it is declared JSON, 413 past 16 KiB, 400 if it does not parse. */
export async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new GalletaError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw payloadTooLarge();
  const text = await readLimited(request);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GalletaError("invalid_json", "The body is not valid JSON.");
  }
}

async function readLimited(request: Request): Promise<string> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw payloadTooLarge();
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function payloadTooLarge(): GalletaError {
  return new GalletaError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
}
