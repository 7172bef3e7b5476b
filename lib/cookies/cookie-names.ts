import type { CookieJar } from "./cookie-jar.ts";

/**
 * The names of galleta's own cookies (session, cache, device). Over HTTPS each is `__Host-Http-<base>`
 * (IETF layered-cookies draft; Chrome 140+, Firefox 143+): the browser lets only an HTTP response
 * set it, with HttpOnly, Secure, Path=/ and no Domain, so script on the page cannot plant or
 * overwrite it. A browser without the prefix reads the name as an ordinary `__Host-` cookie, which
 * keeps the host binding it had. Over plain HTTP (development) the name is `<base>`.
 */
const HTTPS_PREFIX = "__Host-Http-";

/**
 * The prefix galleta's cookies had over HTTPS before issue 15. A cookie under it is still read, and
 * the response that next sets the cookie sets it under the new name and clears the old one, so the
 * rename logs nobody out.
 */
const FORMER_HTTPS_PREFIX = "__Host-";

/** The name galleta gives its cookie `base` on this request's transport. */
export function ownCookieName(base: string, jar: Pick<CookieJar, "secure">): string {
  return jar.secure ? HTTPS_PREFIX + base : base;
}

/** Every name galleta's cookie `base` may arrive under, on either transport, now or from before the rename. */
export function everyOwnCookieName(base: string): readonly string[] {
  return [base, FORMER_HTTPS_PREFIX + base, HTTPS_PREFIX + base];
}

/**
 * The name the request carries galleta's cookie `base` under: the current one when it is there
 * (never a former one beside it, which script could have planted), else the former one; undefined
 * when it carries neither.
 */
export function arrivedCookieName(base: string, jar: Pick<CookieJar, "secure" | "get">): string | undefined {
  const current = ownCookieName(base, jar);
  if (jar.get(current) !== undefined) return current;
  const former = FORMER_HTTPS_PREFIX + base;
  return jar.secure && jar.get(former) !== undefined ? former : undefined;
}

/** The former names of `base` that the request carries, which a response that sets the cookie clears. */
export function formerCookieNames(base: string, jar: Pick<CookieJar, "secure" | "get">): string[] {
  const former = FORMER_HTTPS_PREFIX + base;
  return jar.secure && jar.get(former) !== undefined ? [former] : [];
}
