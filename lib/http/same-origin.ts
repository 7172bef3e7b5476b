import { isSecureRequest } from "./secure-request.ts";
import { GalletaError } from "./errors.ts";

/** The origin the site is served from, as the browser sees it (behind Netlify's proxy too). */
export function siteOrigin(request: Request): string {
  const url = new URL(request.url);
  return `${isSecureRequest(request) ? "https" : "http"}://${url.host}`;
}

/**
 * The cross-site check of every state-changing request, before it writes or counts anything:
 *
 * - A request a browser says comes from elsewhere (`Sec-Fetch-Site: cross-site` or `same-site`, or
 *   an `Origin` other than the site's, `null` included) is refused, with or without cookies. With
 *   cookies it could ride on the visitor's session (CSRF); without, any page could still spend the
 *   budgets of its visitor's network (the sessions started for callers without one, log-in
 *   attempts). A sibling subdomain (`same-site`) is another origin and is refused alike.
 * - A request that carries cookies must say it comes from the site itself (`Sec-Fetch-Site:
 *   same-origin`, or the site's `Origin`).
 * - A request that says neither and carries no cookies (a script, curl) goes on: no browser sends
 *   a state change without `Origin`, so it is no page's doing.
 *
 * `Authorization: Bearer` exempts a request only where the caller then verifies the token and
 * ignores the cookie (`verifiesBearer`): a page elsewhere cannot send that header without a CORS
 * preflight, which the site never grants. Any other scheme, or a bearer token on a route that never
 * looks at it, is checked like a cookie request.
 */
export function assertSameOrigin(request: Request, options: { verifiesBearer?: boolean } = {}): void {
  if (request.method === "GET" || request.method === "HEAD") return;
  if (options.verifiesBearer === true && /^\s*Bearer\s/i.test(request.headers.get("authorization") ?? "")) return;
  const site = request.headers.get("sec-fetch-site");
  const origin = request.headers.get("origin");
  const elsewhere = site === "cross-site" || site === "same-site" || (origin !== null && origin !== siteOrigin(request));
  const fromSite = site === "same-origin" || origin !== null;
  if (elsewhere || (request.headers.has("cookie") && !fromSite)) {
    throw new GalletaError("forbidden_origin", "This request must come from the site itself (its Origin does not match).");
  }
}
