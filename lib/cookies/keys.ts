import { hkdfSync } from "node:crypto";

/** What a derived key is for: the HMAC that signs access tokens, or the AES-GCM key of the cookie cache. */
export type KeyUse = "HS256" | "A256GCM";

const ALGORITHMS = {
  HS256: { algorithm: { name: "HMAC", hash: "SHA-256" }, usages: ["sign", "verify"] },
  A256GCM: { algorithm: { name: "AES-GCM" }, usages: ["encrypt", "decrypt"] },
} as const;

const derived = new Map<string, Promise<CryptoKey>>();

/**
 * A 256-bit key for one use, derived from a session secret with HKDF-SHA256, so the keys that sign
 * tokens or encrypt the cookie cache never equal the key that signs cookies. Imported once per
 * process as a non-extractable CryptoKey: jose would otherwise import raw bytes on every call.
 */
export function deriveKey(secret: string, use: KeyUse): Promise<CryptoKey> {
  const id = `${use}\u0000${secret}`;
  let key = derived.get(id);
  if (key === undefined) {
    const bytes = new Uint8Array(hkdfSync("sha256", secret, "galleta", `galleta ${use}`, 32));
    const { algorithm, usages } = ALGORITHMS[use];
    key = crypto.subtle.importKey("raw", bytes, algorithm, false, [...usages]);
    derived.set(id, key);
  }
  return key;
}
