import { hkdfSync } from "node:crypto";

const derived = new Map<string, Uint8Array>();

/**
 * A 256-bit key for one purpose, derived from a session secret with HKDF-SHA256, so the keys that
 * sign tokens or encrypt the cookie cache never equal the key that signs cookies. Cached per process.
 */
export function deriveKey(secret: string, purpose: string): Uint8Array {
  const id = `${purpose}\u0000${secret}`;
  let key = derived.get(id);
  if (key === undefined) {
    key = new Uint8Array(hkdfSync("sha256", secret, "galleta", purpose, 32));
    derived.set(id, key);
  }
  return key;
}
