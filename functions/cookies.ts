import type { Config } from "@netlify/functions";
import { listCookies, setPlaygroundCookie } from "../lib/playground/playground.ts";
import { CookieJar } from "../lib/cookies/cookie-jar.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { assertSameOrigin } from "../lib/http/same-origin.ts";
import { getConfig } from "../lib/runtime/config.ts";

/** The cookie playground: lists its own cookies the server received (named play.…: plain, signed and valid, tampered) and sets new ones. */
export default methods({
  GET: async (request) => {
    const jar = new CookieJar(request, getConfig().secrets);
    return json(listCookies(jar));
  },
  POST: async (request) => {
    assertSameOrigin(request);
    const jar = new CookieJar(request, getConfig().secrets);
    const cookie = setPlaygroundCookie(jar, await readJson(request));
    return json({ cookie }, 200, jar);
  },
});

export const config: Config = { path: "/api/cookies" };
