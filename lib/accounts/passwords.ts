import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * scrypt cost for new hashes: OWASP's minimum (N = 2^17, r = 8, p = 1), 128 MiB of memory and
 * about a quarter of a second of one core per hash.
 */
const PARAMS: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
const KEY_BYTES = 32;
/** New hashes: NFC, RFC 8265's OpaqueString normalisation, which keeps distinct characters distinct. */
const SCHEME = "scrypt-nfc";
/** Hashes from before issue 10: NFKC, which folds e.g. "ﬁ" into "fi"; verified as they were made, then replaced. */
const LEGACY_SCHEME = "scrypt";
const NORMALISATION = { [SCHEME]: "NFC", [LEGACY_SCHEME]: "NFKC" } as const;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node refuses above `maxmem` (32 MiB by default).
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with scrypt and a random per-user salt, as `scrypt-nfc$N$r$p$salt$hash` (base64url): the parameters live with the hash, so the cost can grow. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password.normalize("NFC"), salt, PARAMS);
  return [SCHEME, PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Whether `password` matches `stored`, with the parameters and normalisation stored with it, compared in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if ((scheme !== SCHEME && scheme !== LEGACY_SCHEME) || salt === undefined || hash === undefined) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every(Number.isSafeInteger)) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await derive(password.normalize(NORMALISATION[scheme]), Buffer.from(salt, "base64url"), params);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether a (verified) hash was made with an older scheme or lower cost than today's: then the next successful log-in replaces it. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split("$");
  return scheme !== SCHEME || Number(n) < PARAMS.N || Number(r) < PARAMS.r || Number(p) < PARAMS.p;
}

let decoy: Promise<string> | undefined;

/**
 * A hash of nothing in particular, to verify against when the username does not exist, so that a
 * wrong username costs the same time as a wrong password and does not reveal which accounts exist.
 */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString("base64url"));
  return decoy;
}
