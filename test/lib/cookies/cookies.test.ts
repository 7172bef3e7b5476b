import { describe, expect, it } from "vitest";
import { MAX_COOKIE_BYTES, parseCookieHeader, serializeClearCookie, serializeSetCookie, type CookieOptions } from "../../../lib/cookies/cookies.ts";
import { CookieTooLargeError } from "../../../lib/http/errors.ts";

describe("parseCookieHeader", () => {
  it.each([
    ["a missing header", null, {}],
    ["an empty header", "", {}],
    ["one pair", "a=1", { a: "1" }],
    ["several pairs with spaces", "a=1; b=2;c=3", { a: "1", b: "2", c: "3" }],
    ["a pair without '='", "junk; a=1", { a: "1" }],
    ["only junk", ";;;=;", {}],
    ["a quoted value, kept as sent", 'a="x y"', { a: '"x y"' }],
    ["percent-encoding", "a=%E2%9C%93", { a: "✓" }],
    ["invalid percent-encoding, kept raw", "a=%E0%A4%A", { a: "%E0%A4%A" }],
    ["non-ASCII bytes", "ñame=ü", { "ñame": "ü" }],
    ["duplicate names: the first wins", "sid=first; sid=second", { sid: "first" }],
  ])("parses %s without throwing", (_case, header, expected) => {
    expect({ ...parseCookieHeader(header) }).toEqual(expected);
  });

  it("returns an object without a prototype, so a cookie named __proto__ is harmless", () => {
    const cookies = parseCookieHeader("__proto__=polluted; constructor=x");
    expect(Object.getPrototypeOf(cookies)).toBeNull();
    expect(cookies["__proto__"]).toBe("polluted");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("survives a huge header", () => {
    const header = Array.from({ length: 5000 }, (_, i) => `c${i}=${"v".repeat(20)}`).join("; ");
    expect(Object.keys(parseCookieHeader(header))).toHaveLength(5000);
  });
});

describe("serializeSetCookie", () => {
  it("applies the safe defaults: HttpOnly, SameSite=Lax, Path=/", () => {
    expect(serializeSetCookie("a", "1", {})).toBe("a=1; Path=/; HttpOnly; SameSite=Lax");
  });

  it.each([
    [60_000, "Max-Age=60"],
    [1_500, "Max-Age=1"],
    [999, "Max-Age=0"],
    [0, "Max-Age=0"],
  ])("turns maxAge %i ms into %s on the wire", (maxAge, expected) => {
    expect(serializeSetCookie("a", "1", { maxAge })).toContain(expected);
  });

  it("adds Secure when asked and lets options override the defaults", () => {
    const header = serializeSetCookie("a", "1", { secure: true, httpOnly: false, sameSite: "strict" });
    expect(header).toBe("a=1; Path=/; Secure; SameSite=Strict");
  });

  it("encodes a value that would break the header", () => {
    expect(serializeSetCookie("a", "x; Domain=evil.example\r\n", {})).toMatch(/^a=x%3B%20Domain%3Devil\.example%0D%0A;/);
  });

  it.each([["bad name"], ["a;b"], ["a\r\nb"], [""]])("refuses the cookie name %j with a TypeError", (name) => {
    expect(() => serializeSetCookie(name, "1", {})).toThrow(TypeError);
  });

  it("refuses a path carrying a header injection", () => {
    expect(() => serializeSetCookie("a", "1", { path: "/; Domain=evil" })).toThrow(TypeError);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])("refuses maxAge %s", (maxAge) => {
    expect(() => serializeSetCookie("a", "1", { maxAge })).toThrow(TypeError);
  });

  it.each<[string, string, CookieOptions]>([
    ["a __Secure- cookie without Secure", "__Secure-a", {}],
    ["a __Host- cookie without Secure", "__Host-a", {}],
    ["a __Host- cookie on another path", "__Host-a", { secure: true, path: "/api" }],
    ["a __Host- cookie with a Domain", "__host-a", { secure: true, domain: "galleta.example" }],
    ["a __Http- cookie without HttpOnly", "__Http-a", { secure: true, httpOnly: false }],
    ["a __Host-Http- cookie without HttpOnly", "__HOST-HTTP-a", { secure: true, httpOnly: false }],
    ["a __Host-Http- cookie without Secure", "__Host-Http-sid", {}],
  ])("refuses %s with a TypeError, as the browser would drop it", (_case, name, options) => {
    expect(() => serializeSetCookie(name, "1", options)).toThrow(TypeError);
  });

  it("writes a __Host-Http- cookie with the HttpOnly, Secure and Path=/ its prefix needs", () => {
    expect(serializeSetCookie("__Host-Http-sid", "1", { secure: true })).toBe("__Host-Http-sid=1; Path=/; HttpOnly; Secure; SameSite=Lax");
  });

  it("throws CookieTooLargeError before a cookie over 4096 bytes can be sent", () => {
    expect(() => serializeSetCookie("big", "x".repeat(MAX_COOKIE_BYTES), {})).toThrow(CookieTooLargeError);
    expect(() => serializeSetCookie("ok", "x".repeat(3000), {})).not.toThrow();
  });
});

describe("serializeClearCookie", () => {
  it("empties the cookie with Max-Age=0 on the same path and domain", () => {
    const header = serializeClearCookie("a", { path: "/app", domain: "example.com" });
    expect(header).toBe("a=; Max-Age=0; Domain=example.com; Path=/app; HttpOnly; SameSite=Lax");
  });
});
