import type { Config } from "@netlify/functions";
import { clearPlaygroundCookie } from "../lib/playground/playground.ts";
import { CookieJar } from "../lib/cookies/cookie-jar.ts";
import { methods, noContent } from "../lib/http/http.ts";
import { assertSameOrigin } from "../lib/http/same-origin.ts";
import { getConfig } from "../lib/runtime/config.ts";

/** Clears one playground cookie (named play.…; nothing else). */
export default methods({
  DELETE: async (request, context) => {
    assertSameOrigin(request);
    const jar = new CookieJar(request, getConfig().secrets);
    clearPlaygroundCookie(jar, context.params.name ?? "");
    return noContent(jar);
  },
});

export const config: Config = { path: "/api/cookies/:name" };
