import { describe, expect, it } from "vitest";
import { CookieJar } from "../../../lib/cookies/cookie-jar.ts";

/** The Set-Cookie lines a jar would send. */
function sent(jar: CookieJar): string[] {
  const headers = new Headers();
  jar.applyTo(headers);
  return headers.getSetCookie();
}

describe("CookieJar", () => {
  it("sends one removal of a cookie however many parts of a request ask for it", () => {
    const jar = new CookieJar(new Request("https://galleta.example/"), ["j".repeat(40)]);
    jar.clear("__Host-sid");
    jar.clear("__Host-sid");
    expect(sent(jar)).toEqual(["__Host-sid=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"]);
  });

  it("keeps a removal after a value set since the first one asked for it, so the browser ends without the cookie", () => {
    const jar = new CookieJar(new Request("http://localhost/"), ["j".repeat(40)]);
    jar.clear("sid");
    jar.set("sid", "new");
    jar.clear("sid");
    expect(sent(jar)).toEqual(["sid=new; Path=/; HttpOnly; SameSite=Lax", "sid=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"]);
  });
});
