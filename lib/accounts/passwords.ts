import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt's cost parameters (RFC 7914): N, the CPU and memory cost; r, the block size; p, the parallelism. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * scrypt cost for new hashes: OWASP's minimum (N = 2^17, r = 8, p = 1), 128 MiB of memory and
 * about a quarter of a second of one core per hash.
 */
export const SCRYPT_COST: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** The cost a configuration asks for: today's, or the lower N only galleta's tests may set (TEST_SCRYPT_N; production refuses it). */
export function passwordCost(config: { readonly testScryptN: number | undefined }): ScryptParams {
  return config.testScryptN === undefined ? SCRYPT_COST : Object.freeze({ ...SCRYPT_COST, N: config.testScryptN });
}

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
export async function hashPassword(password: string, cost: ScryptParams = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password.normalize("NFC"), salt, cost);
  return [SCHEME, cost.N, cost.r, cost.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/**
 * Whether `password` matches `stored`, with the parameters and normalisation stored with it,
 * compared in constant time; false for a malformed hash. A wrong password costs at least `cost`'s
 * work, whatever the stored hash's own cost (below).
 */
export async function verifyPassword(password: string, stored: string, cost: ScryptParams = SCRYPT_COST): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if ((scheme !== SCHEME && scheme !== LEGACY_SCHEME) || salt === undefined || hash === undefined) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every(Number.isSafeInteger)) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await derive(password.normalize(NORMALISATION[scheme]), Buffer.from(salt, "base64url"), params);
  const matches = expected.length === actual.length && timingSafeEqual(expected, actual);
  if (!matches) await payTheDifference(params, cost);
  return matches;
}

/** scrypt's work for these parameters, in 128-byte blocks mixed: it grows as N × r × p, time and memory alike. */
function work(params: ScryptParams): number {
  return params.N * params.r * params.p;
}

/** The padding's output is thrown away; any salt will do. */
const PADDING_SALT = randomBytes(16);

/**
 * Issue 15, item 8: a hash made at an older, lower cost verifies faster than the decoy an unknown
 * username is checked against (N = 2^15: a quarter of the time), so one wrong guess per name would
 * tell which old accounts exist. After a failed check, this runs the work still missing to reach
 * `cost`, as scrypt runs at N = 2^k (N must be a power of two): 2^15 + 2^16 + 2^15 = 2^17. Only
 * failures pay it: a successful log-in replaces the old hash instead, and costs what it did.
 */
async function payTheDifference(checked: ScryptParams, cost: ScryptParams): Promise<void> {
  let missing = Math.floor((work(cost) - work(checked)) / cost.r);
  for (let n = 2 ** Math.floor(Math.log2(Math.max(missing, 1))); n >= 2; n /= 2) {
    if (missing < n) continue;
    await derive("", PADDING_SALT, { N: n, r: cost.r, p: 1 });
    missing -= n;
  }
}

/** Whether a (verified) hash was made with an older scheme or lower cost than `cost`: then the next successful log-in replaces it. */
export function needsRehash(stored: string, cost: ScryptParams = SCRYPT_COST): boolean {
  const [scheme, n, r, p] = stored.split("$");
  return scheme !== SCHEME || Number(n) < cost.N || Number(r) < cost.r || Number(p) < cost.p;
}

const decoys = new Map<string, Promise<string>>();

/**
 * A hash of nothing in particular, at `cost`, to verify against when the username does not exist,
 * so that a wrong username costs the same time as a wrong password and does not reveal which
 * accounts exist.
 */
export function decoyHash(cost: ScryptParams = SCRYPT_COST): Promise<string> {
  const key = [cost.N, cost.r, cost.p].join("$");
  let decoy = decoys.get(key);
  if (decoy === undefined) {
    decoy = hashPassword(randomBytes(16).toString("base64url"), cost);
    decoys.set(key, decoy);
  }
  return decoy;
}
