import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { bundleWebAuthnFallback, WEBAUTHN_FALLBACK_FILE } from "../../netlify/vendor.ts";

describe("netlify/vendor.ts", () => {
  it("matches the committed WebAuthn fallback byte for byte, so the site serves the installed @simplewebauthn/browser", async () => {
    const committed = await readFile(WEBAUTHN_FALLBACK_FILE, "utf8");
    expect(committed === (await bundleWebAuthnFallback()), "public/vendor/simplewebauthn-browser.js is stale: run `npm run vendor`").toBe(true);
  });

  it("bundles an ES module that exports the ceremonies the pages fall back on, and imports nothing", async () => {
    const bundle = await bundleWebAuthnFallback();
    expect(bundle).toMatch(/export\{[^}]*\bstartRegistration\b/);
    expect(bundle).toMatch(/export\{[^}]*\bstartAuthentication\b/);
    expect(bundle).toMatch(/export\{[^}]*\bWebAuthnAbortService\b/);
    expect(bundle).not.toMatch(/\bimport\s*[\s{("*]/);
    expect(bundle).toContain("MIT License");
  });
});
