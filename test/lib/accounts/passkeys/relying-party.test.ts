import { describe, expect, it } from "vitest";
import { relyingParty } from "../../../../lib/accounts/passkeys/relying-party.ts";
import { ConfigurationError } from "../../../../lib/http/errors.ts";
import { loadConfig, type Env } from "../../../../lib/runtime/config.ts";

const base = { NODE_ENV: "test", SESSION_SECRETS: "x".repeat(32) };

function settings(env: Env) {
  return loadConfig({ ...base, ...env }).webauthn;
}

function refusal(env: Env): string | undefined {
  try {
    settings(env);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.detail;
    throw error;
  }
}

describe("the relying party", () => {
  it("is the request's own host and origin by default, so every deploy preview is its own", () => {
    const request = new Request("https://deploy-preview-42--galleta.netlify.app/api/passkeys/registration/options");
    expect(relyingParty(request, settings({}))).toEqual({ id: "deploy-preview-42--galleta.netlify.app", origins: ["https://deploy-preview-42--galleta.netlify.app"], name: "galleta" });
  });

  it("honours x-forwarded-proto and keeps the port in the origin but not in the RP ID", () => {
    const request = new Request("http://localhost:8888/api/passkeys/authentication/options", { headers: { "x-forwarded-proto": "https" } });
    expect(relyingParty(request, settings({}))).toMatchObject({ id: "localhost", origins: ["https://localhost:8888"] });
  });

  it("takes WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS over the request's URL", () => {
    const env = { WEBAUTHN_RP_ID: "Example.com", WEBAUTHN_ORIGINS: "https://example.com, https://www.example.com/" };
    const request = new Request("https://galleta.netlify.app/api/passkeys/authentication/options");
    expect(relyingParty(request, settings(env))).toMatchObject({ id: "example.com", origins: ["https://example.com", "https://www.example.com"] });
  });

  it.each([
    ["an RP ID with a scheme", { WEBAUTHN_RP_ID: "https://example.com" }, /WEBAUTHN_RP_ID must be a host name/],
    ["an RP ID with a port", { WEBAUTHN_RP_ID: "example.com:443" }, /WEBAUTHN_RP_ID must be a host name/],
    ["an origin with a path", { WEBAUTHN_ORIGINS: "https://example.com/app" }, /WEBAUTHN_ORIGINS must list origins/],
    ["a plain-HTTP origin that is not localhost", { WEBAUTHN_ORIGINS: "http://example.com" }, /https, except http:\/\/localhost/],
    ["an origin outside the RP ID", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.org" }, /must be on WEBAUTHN_RP_ID \(example.com\)/],
    ["an origin that only ends like the RP ID", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://badexample.com" }, /must be on WEBAUTHN_RP_ID/],
  ])("refuses %s at start-up, saying what to set", (_case, env, message) => {
    expect(refusal(env)).toMatch(message);
  });

  it("accepts http://localhost for development", () => {
    expect(settings({ WEBAUTHN_RP_ID: "localhost", WEBAUTHN_ORIGINS: "http://localhost:8888" })).toEqual({ rpId: "localhost", origins: ["http://localhost:8888"] });
  });
});
