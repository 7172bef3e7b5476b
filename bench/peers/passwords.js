// The peers check passwords exactly as galleta's lib/accounts/passwords.ts does (scrypt with the
// parameters stored in the hash, 32-byte key, `scrypt-nfc$N$r$p$salt$hash` with NFC, or the older
// `scrypt$…` with NFKC), so a login costs every app the
// same CPU and the benchmark compares sessions, not password hashing. They read the hashes galleta
// wrote to the shared `users` collection. Unlike galleta, they do not hash a decoy for unknown
// usernames; the benchmark only logs in a user that exists, so that costs them nothing here.
import { scrypt, timingSafeEqual } from "node:crypto";

const NORMALISATION = { "scrypt-nfc": "NFC", scrypt: "NFKC" };

/** Whether `password` matches a galleta `scrypt-nfc$N$r$p$salt$hash` (or older `scrypt$…`) string. */
export function verifyPassword(password, stored) {
  const [scheme, n, r, p, salt, hash] = String(stored).split("$");
  const form = Object.hasOwn(NORMALISATION, scheme) ? NORMALISATION[scheme] : undefined;
  if (form === undefined || salt === undefined || hash === undefined) return Promise.resolve(false);
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(hash, "base64url");
  return new Promise((resolve, reject) => {
    scrypt(password.normalize(form), Buffer.from(salt, "base64url"), expected.length, { ...params, maxmem: 256 * params.N * params.r }, (error, key) =>
      error ? reject(error) : resolve(key.length === expected.length && timingSafeEqual(key, expected)),
    );
  });
}

/** Username and password from a parsed JSON body, or null when either is missing. */
export function readCredentials(body) {
  if (body === null || typeof body !== "object") return null;
  const { username, password } = body;
  return typeof username === "string" && typeof password === "string" ? { username: username.trim().toLowerCase(), password } : null;
}

/** Prints the line the benchmark waits for: `{"listening":<port>}`. */
export function announce(server) {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ listening: typeof address === "object" && address !== null ? address.port : 0 })}\n`);
}

/** Reads the settings every app takes from the environment. */
export function settings() {
  const need = (name) => {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`${name} is not set.`);
    return value;
  };
  return {
    uri: need("MONGODB_URI"),
    dbName: need("MONGODB_DB"),
    secret: need("SESSION_SECRETS").split(",")[0].trim(),
    port: Number(process.env.PORT ?? 0),
  };
}
