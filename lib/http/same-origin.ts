import { isSecureRequest } from "../cookies/cookie-jar.ts";
import { GalletaError } from "./errors.ts";

/** The origin the site is served from, as the browser sees it (behind Netlify's proxy too). */
export function siteOrigin(request: Request): string {
  const url = new URL(request.url);
  return `${isSecureRequest(request) ? "https" : "http"}://${url.host}`;
}

/**
 * CSRF defence: a state-changing request that carries cookies must come from the site itself
 * (`Sec-Fetch-Site: same-origin`, or an `Origin` equal to the site's). Requests authenticated by a
 * bearer token and requests without cookies have nothing a forged cross-site request could ride on.
 */
export function assertSameOrigin(request: Request): void {
  if (request.method === "GET" || request.method === "HEAD") return;
  if (request.headers.has("authorization") || !request.headers.has("cookie")) return;
  if (request.headers.get("sec-fetch-site") === "same-origin") return;
  if (request.headers.get("origin") === siteOrigin(request)) return;
  throw new GalletaError("forbidden_origin", "This request must come from the site itself (its Origin does not match).");
}
