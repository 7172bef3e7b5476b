import { isSecureRequest } from "./secure-request.ts";
import { GalletaError } from "./errors.ts";

/** The origin the site is served from, as the browser sees it (behind Netlify's proxy too). */
export function siteOrigin(request: Request): string {
  const url = new URL(request.url);
  return `${isSecureRequest(request) ? "https" : "http"}://${url.host}`;
}

/**
 * CSRF defence: a state-changing request that carries cookies must come from the site itself
 * (`Sec-Fetch-Site: same-origin`, or an `Origin` equal to the site's). Requests without cookies have
 * nothing a forged cross-site request could ride on. `Authorization: Bearer` exempts a request only
 * where the caller then verifies the token and ignores the cookie (`verifiesBearer`); any other
 * scheme, or a bearer token on a route that never looks at it, is checked like a cookie request.
 */
export function assertSameOrigin(request: Request, options: { verifiesBearer?: boolean } = {}): void {
  if (request.method === "GET" || request.method === "HEAD") return;
  if (!request.headers.has("cookie")) return;
  if (options.verifiesBearer === true && /^\s*Bearer\s/i.test(request.headers.get("authorization") ?? "")) return;
  if (request.headers.get("sec-fetch-site") === "same-origin") return;
  if (request.headers.get("origin") === siteOrigin(request)) return;
  throw new GalletaError("forbidden_origin", "This request must come from the site itself (its Origin does not match).");
}
