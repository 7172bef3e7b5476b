import { describe, expect, it } from "vitest";
import { looksSigned, signValue, unsignValue, type SignedCookie } from "../../../lib/cookies/signing.ts";

const current = "current-secret-current-secret-0123456789";
const retired = "retired-secret-retired-secret-0123456789";
const cart: SignedCookie = { name: "cart", purpose: "playground cookies" };

describe("signed cookie values", () => {
  it("use the cookie-parser convention s:<value>.<signature>", () => {
    expect(signValue("hello", [current], cart)).toMatch(/^s:hello\.[A-Za-z0-9+/]{43}$/);
  });

  it("read back with the secret that signed them", () => {
    expect(unsignValue(signValue("hello", [current], cart), [current], cart)).toBe("hello");
  });

  it("keep a value that contains dots", () => {
    expect(unsignValue(signValue("a.b.c", [current], cart), [current], cart)).toBe("a.b.c");
  });

  it("sign with the first secret and verify with any, so secrets rotate without logging anyone out", () => {
    const signedBefore = signValue("user-1", [retired], cart);
    expect(unsignValue(signedBefore, [current, retired], cart)).toBe("user-1");
    expect(signValue("user-1", [current, retired], cart)).toBe(signValue("user-1", [current], cart));
  });

  it("refuses a cookie signed with a retired secret once it is removed", () => {
    expect(unsignValue(signValue("user-1", [retired], cart), [current], cart)).toBeUndefined();
  });

  it.each<[string, SignedCookie]>([
    ["under another cookie's name", { name: "role", purpose: "playground cookies" }],
    ["for another purpose under the same name", { name: "cart", purpose: "session cookie" }],
    ["as the session cookie", { name: "sid", purpose: "session cookie" }],
    ["as the device cookie", { name: "device", purpose: "device cookie" }],
  ])("never verify %s", (_case, other) => {
    expect(unsignValue(signValue("user-1", [current], cart), [current], other)).toBeUndefined();
  });

  it("are not signed with the secret itself, so an HMAC of the raw secret (the old format) no longer verifies", async () => {
    const { sign } = await import("cookie-signature");
    expect(unsignValue(`s:${sign("user-1", current)}`, [current], cart)).toBeUndefined();
  });

  it.each([
    ["a tampered value", (signed: string) => signed.replace("s:hello", "s:hellO")],
    ["a tampered signature", (signed: string) => signed.slice(0, -1) + (signed.endsWith("A") ? "B" : "A")],
    ["a truncated signature", (signed: string) => signed.slice(0, -5)],
    ["a missing signature", () => "s:hello"],
    ["an empty signature", () => "s:hello."],
    ["no prefix", (signed: string) => signed.slice(2)],
    ["an unsigned value", () => "hello"],
    ["an empty value", () => ""],
  ])("treat %s as absent", (_case, mutate) => {
    expect(unsignValue(mutate(signValue("hello", [current], cart)), [current], cart)).toBeUndefined();
  });

  it("are recognised by their prefix", () => {
    expect(looksSigned("s:x.y")).toBe(true);
    expect(looksSigned("x")).toBe(false);
  });
});
