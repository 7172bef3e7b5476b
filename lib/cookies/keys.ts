import { hkdfSync } from "node:crypto";

/**
 * What a key is for. Each purpose gets its own key, derived from the session secret, so nothing
 * signed or encrypted for one purpose is ever accepted for another (issue 10: the cookie playground
 * signed visitors' values with the session cookie's key, a signing oracle).
 */
export type KeyPurpose = "session cookie" | "playground cookies" | "device cookie" | "cookie cache" | "tokens";

/** The purposes whose keys sign cookies (HMAC-SHA256, cookie-signature's format). */
export type CookiePurpose = Extract<KeyPurpose, "session cookie" | "playground cookies" | "device cookie">;

const WEB_CRYPTO = {
  tokens: { algorithm: { name: "HMAC", hash: "SHA-256" }, usages: ["sign", "verify"] },
  "cookie cache": { algorithm: { name: "AES-GCM" }, usages: ["encrypt", "decrypt"] },
} as const;

const raw = new Map<string, Buffer>();
const imported = new Map<string, Promise<CryptoKey>>();

/**
 * The 256-bit key for one purpose: HKDF-SHA256 (RFC 5869) of the secret, with the purpose as info.
 * Remembered per process, as every request needs it.
 */
export function purposeKey(secret: string, purpose: KeyPurpose): Buffer {
  const id = `${purpose}\u0000${secret}`;
  let key = raw.get(id);
  if (key === undefined) {
    key = Buffer.from(hkdfSync("sha256", secret, "galleta", `galleta ${purpose}`, 32));
    raw.set(id, key);
  }
  return key;
}

/**
 * The purpose key as a non-extractable CryptoKey, for jose: the HMAC that signs access tokens, or
 * the AES-GCM key of the cookie cache. Imported once per process; jose would otherwise import raw
 * bytes on every call.
 */
export function deriveKey(secret: string, purpose: keyof typeof WEB_CRYPTO): Promise<CryptoKey> {
  const id = `${purpose}\u0000${secret}`;
  let key = imported.get(id);
  if (key === undefined) {
    const { algorithm, usages } = WEB_CRYPTO[purpose];
    key = crypto.subtle.importKey("raw", new Uint8Array(purposeKey(secret, purpose)), algorithm, false, [...usages]);
    imported.set(id, key);
  }
  return key;
}
