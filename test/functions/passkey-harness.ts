import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { expect } from "vitest";
import authenticationOptions from "../../functions/passkey-authentication-options.ts";
import authentication from "../../functions/passkey-authentication.ts";
import registrationOptions from "../../functions/passkey-registration-options.ts";
import registration from "../../functions/passkey-registration.ts";
import { SoftAuthenticator, type CeremonyPlace } from "../support/authenticator.ts";
import { ORIGIN, type TestBrowser } from "../support/requests.ts";
import { PASSWORD } from "./harness.ts";

/** Where the tests' ceremonies run by default: the site's own origin, RP ID its host (localhost). */
export const SITE: CeremonyPlace = { origin: ORIGIN };

/** A passkey as the API shows it. */
export interface PasskeyBody {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
  deviceType: string;
  transports: string[];
}

/** POST /api/passkeys/registration/options from `browser`, proving who it is with `proof` (by default the tests' password). */
export function askRegistrationOptions(browser: TestBrowser, proof: Record<string, unknown> = { password: PASSWORD }): Promise<Response> {
  return browser.send(registrationOptions, "/api/passkeys/registration/options", { method: "POST", body: proof });
}

/** Adds a passkey made by `authenticator` to the browser's user: options (proved with `proof`, the tests' password by default), then the answer from `place`. */
export async function addPasskey(
  browser: TestBrowser,
  authenticator: SoftAuthenticator = new SoftAuthenticator(),
  options: { place?: CeremonyPlace; name?: string; proof?: Record<string, unknown> } = {},
): Promise<Response> {
  const asked = await askRegistrationOptions(browser, options.proof);
  expect(asked.status).toBe(200);
  const creation = (await asked.json()) as PublicKeyCredentialCreationOptionsJSON;
  const body = { response: authenticator.register(creation, options.place ?? SITE), ...(options.name === undefined ? {} : { name: options.name }) };
  return browser.send(registration, "/api/passkeys/registration", { method: "POST", body });
}

/** Adds a passkey and expects 201; the passkey's view. */
export async function addedPasskey(browser: TestBrowser, authenticator: SoftAuthenticator = new SoftAuthenticator(), proof?: Record<string, unknown>): Promise<PasskeyBody> {
  const response = await addPasskey(browser, authenticator, proof === undefined ? {} : { proof });
  expect(response.status).toBe(201);
  return ((await response.json()) as { passkey: PasskeyBody }).passkey;
}

/** POST /api/passkeys/authentication/options from `browser`; the options (expects 200). */
export async function requestOptions(browser: TestBrowser): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const response = await browser.send(authenticationOptions, "/api/passkeys/authentication/options", { method: "POST" });
  expect(response.status).toBe(200);
  return (await response.json()) as PublicKeyCredentialRequestOptionsJSON;
}

/** POST /api/passkeys/authentication with `body` (the assertion under `response`). */
export function sendAssertion(browser: TestBrowser, body: Record<string, unknown>): Promise<Response> {
  return browser.send(authentication, "/api/passkeys/authentication", { method: "POST", body });
}

/** A whole passkey log-in in `browser`: options, the authenticator's assertion from `place`, the answer. */
export async function passkeyLogIn(
  browser: TestBrowser,
  authenticator: SoftAuthenticator,
  options: { place?: CeremonyPlace; remember?: boolean; signCount?: number; userVerification?: boolean } = {},
): Promise<Response> {
  const request = await requestOptions(browser);
  const { place, remember, ...override } = options;
  const response = authenticator.assert(request, place ?? SITE, override);
  return sendAssertion(browser, { response, ...(remember === undefined ? {} : { remember }) });
}
