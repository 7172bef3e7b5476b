import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyPassword } from "../../../lib/accounts/passwords.ts";
import { legacyHash } from "../../support/legacy-hash.ts";

describe("password hashes", { timeout: 20_000 }, () => {
  it("are scrypt at OWASP's minimum cost (N = 2^17, r = 8, p = 1), with the parameters stored beside a per-hash salt", async () => {
    const [one, two] = await Promise.all([hashPassword("correct horse"), hashPassword("correct horse")]);
    expect(one).toMatch(/^scrypt-nfc\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(one).not.toBe(two);
    expect(needsRehash(one)).toBe(false);
  });

  it("normalise with NFC (RFC 8265's OpaqueString), so compatibility characters stay distinct", async () => {
    const stored = await hashPassword("ﬁsh and chips");
    expect(await verifyPassword("ﬁsh and chips", stored)).toBe(true);
    expect(await verifyPassword("fish and chips", stored)).toBe(false);
    // Canonically equivalent forms are one password: é precomposed and e + combining acute.
    expect(await verifyPassword("caf\u00e9 au lait", await hashPassword("cafe\u0301 au lait"))).toBe(true);
  });

  it("verify an older hash with its own parameters and normalisation, and ask for it to be replaced", async () => {
    const stored = legacyHash("ﬁsh and chips");
    expect(await verifyPassword("ﬁsh and chips", stored)).toBe(true);
    expect(await verifyPassword("fish and chips", stored)).toBe(true);
    expect(await verifyPassword("chips and fish", stored)).toBe(false);
    expect(needsRehash(stored)).toBe(true);
  });

  it.each([
    ["another scheme", "bcrypt$10$abc"],
    ["missing fields", "scrypt-nfc$131072$8"],
    ["non-numeric parameters", "scrypt-nfc$x$8$1$c2FsdA$aGFzaA"],
  ])("refuse %s", async (_case, stored) => {
    expect(await verifyPassword("anything", stored)).toBe(false);
  });
});
