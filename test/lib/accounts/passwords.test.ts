import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyPassword } from "../../../lib/accounts/passwords.ts";
import { legacyHash } from "../../support/legacy-hash.ts";

// Each test runs up to three scrypt hashes at the real cost side by side: one test took 6 to 19 s
// over ten runs at load average 10 to 20 on this 2-core machine, against a budget of 20.
describe("password hashes", { timeout: 60_000 }, () => {
  it("are scrypt at OWASP's minimum cost (N = 2^17, r = 8, p = 1), with the parameters stored beside a per-hash salt", async () => {
    const [one, two] = await Promise.all([hashPassword("correct horse"), hashPassword("correct horse")]);
    expect(one).toMatch(/^scrypt-nfc\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(one).not.toBe(two);
    expect(needsRehash(one)).toBe(false);
  });

  // The hashes and checks of one test run side by side (scrypt runs on libuv's thread
  // pool), each at the real cost, rather than one after another.
  it("normalise with NFC (RFC 8265's OpaqueString), so compatibility characters stay distinct", async () => {
    const [stored, decomposed] = await Promise.all([hashPassword("ﬁsh and chips"), hashPassword("cafe\u0301 au lait")]);
    const [same, folded, precomposed] = await Promise.all([
      verifyPassword("ﬁsh and chips", stored),
      verifyPassword("fish and chips", stored),
      // Canonically equivalent forms are one password: é precomposed and e + combining acute.
      verifyPassword("caf\u00e9 au lait", decomposed),
    ]);
    expect(same).toBe(true);
    expect(folded).toBe(false);
    expect(precomposed).toBe(true);
  });

  it("verify an older hash with its own parameters and normalisation, and ask for it to be replaced", async () => {
    const stored = legacyHash("ﬁsh and chips");
    const [same, folded, other] = await Promise.all([
      verifyPassword("ﬁsh and chips", stored),
      verifyPassword("fish and chips", stored),
      verifyPassword("chips and fish", stored),
    ]);
    expect(same).toBe(true);
    expect(folded).toBe(true);
    expect(other).toBe(false);
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
