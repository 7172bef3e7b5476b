// @ts-check
/**
 * The browser's half of a passkey ceremony: turn the server's JSON options
 * into a `navigator.credentials` call and the credential back into JSON.
 *
 * Where the browser has `PublicKeyCredential.parseCreationOptionsFromJSON`,
 * `parseRequestOptionsFromJSON` and `toJSON()` (Chrome 129, Firefox 119,
 * Safari 18.4), the platform does it. Elsewhere the page loads
 * `@simplewebauthn/browser`, bundled into /vendor/ by netlify/vendor.ts (never a
 * CDN: the Content-Security-Policy allows scripts from this site only), and
 * only when a ceremony needs it.
 *
 * Only one WebAuthn request may be pending in a page: callers abort the
 * autofill request (`signal`) before they start another.
 */
/** @import { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/browser" */

/** The fallback's address; a variable, so that tsc types it from the package instead of reading the bundle. */
const FALLBACK = "/vendor/simplewebauthn-browser.js";

/**
 * Why a ceremony did not give a credential, as the pages tell it:
 * `cancelled` (the user closed the prompt, or it timed out: browsers do not
 * tell the two apart, on purpose), `exists` (this authenticator already holds a
 * passkey for the account), `aborted` (the page itself stopped it), `failed`.
 * @typedef {"cancelled" | "exists" | "aborted" | "failed"} PasskeyErrorCode
 */

/** A ceremony that ended without a credential. */
export class PasskeyError extends Error {
  /** @param {PasskeyErrorCode} code @param {unknown} cause */
  constructor(code, cause) {
    super(`The passkey ceremony ended: ${code}.`, { cause });
    this.name = "PasskeyError";
    /** @readonly */
    this.code = code;
  }
}

/** Whether this browser can use passkeys at all (WebAuthn needs a secure context too). */
export function passkeysSupported() {
  return typeof window.PublicKeyCredential === "function" && window.isSecureContext && navigator.credentials !== undefined;
}

/** Whether the browser can offer passkeys in a field's autofill (conditional mediation). */
export async function autofillSupported() {
  if (!passkeysSupported() || typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") return false;
  try {
    return await PublicKeyCredential.isConditionalMediationAvailable();
  } catch {
    return false;
  }
}

/** Whether the platform converts the JSON itself, so the fallback is not needed. */
function platformParsesJson() {
  return typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
    && typeof PublicKeyCredential.prototype.toJSON === "function";
}

/** @type {Promise<typeof import("@simplewebauthn/browser")> | undefined} */
let fallback;

function loadFallback() {
  fallback ??= /** @type {Promise<typeof import("@simplewebauthn/browser")>} */ (import(FALLBACK)).catch((error) => {
    // A failed load (offline, say) may work next time.
    fallback = undefined;
    throw error;
  });
  return fallback;
}

/**
 * Creates a passkey with the server's registration options.
 * @param {PublicKeyCredentialCreationOptionsJSON} optionsJSON
 * @returns {Promise<RegistrationResponseJSON>}
 */
export async function createPasskey(optionsJSON) {
  try {
    if (!platformParsesJson()) return await (await loadFallback()).startRegistration({ optionsJSON });
    // The DOM's and the library's JSON types describe the same W3C dictionaries.
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(/** @type {globalThis.PublicKeyCredentialCreationOptionsJSON} */ (optionsJSON));
    const credential = await navigator.credentials.create({ publicKey });
    if (!(credential instanceof PublicKeyCredential)) throw new PasskeyError("failed", credential);
    return /** @type {RegistrationResponseJSON} */ (credential.toJSON());
  } catch (error) {
    throw asPasskeyError(error);
  }
}

/**
 * Asks for a passkey with the server's authentication options: in a prompt,
 * or with `autofill`, in the autofill of a field marked `autocomplete="… webauthn"`,
 * where it waits until the user picks one or `signal` aborts it.
 * @param {PublicKeyCredentialRequestOptionsJSON} optionsJSON
 * @param {{ autofill?: boolean, signal?: AbortSignal }} [options]
 * @returns {Promise<AuthenticationResponseJSON>}
 */
export async function getPasskey(optionsJSON, { autofill = false, signal } = {}) {
  try {
    if (!platformParsesJson()) {
      const library = await loadFallback();
      if (signal?.aborted) throw new PasskeyError("aborted", signal.reason);
      // The library keeps its own AbortController per ceremony; this is how to reach it.
      signal?.addEventListener("abort", () => library.WebAuthnAbortService.cancelCeremony(), { once: true });
      return await library.startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
    }
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(/** @type {globalThis.PublicKeyCredentialRequestOptionsJSON} */ (optionsJSON));
    const credential = await navigator.credentials.get(autofill ? { publicKey, signal, mediation: "conditional" } : { publicKey, signal });
    if (!(credential instanceof PublicKeyCredential)) throw new PasskeyError("failed", credential);
    return /** @type {AuthenticationResponseJSON} */ (credential.toJSON());
  } catch (error) {
    throw signal?.aborted ? new PasskeyError("aborted", error) : asPasskeyError(error);
  }
}

/**
 * The browser's DOMException names (the library keeps them on its own errors).
 * @param {unknown} error
 */
function asPasskeyError(error) {
  if (error instanceof PasskeyError) return error;
  const name = error instanceof Error ? error.name : "";
  if (name === "NotAllowedError") return new PasskeyError("cancelled", error);
  if (name === "InvalidStateError") return new PasskeyError("exists", error);
  if (name === "AbortError") return new PasskeyError("aborted", error);
  console.error(error);
  return new PasskeyError("failed", error);
}
