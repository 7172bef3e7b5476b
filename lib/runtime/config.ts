import { randomBytes } from "node:crypto";
import { ConfigurationError } from "../http/errors.ts";
import { developmentSecret } from "./development-secret.ts";

/**
 * "production" unless the environment says development explicitly: NETLIFY_DEV=true (netlify dev
 * sets it) or NODE_ENV of development or test (vitest sets test), and never on AWS Lambda, where
 * Netlify runs deployed functions (see `modeOf`). Not CONTEXT: Netlify sets it at build time only,
 * so deployed functions never see it; and not NODE_ENV=production, which deployed functions do not
 * set either. So a deploy is strict whatever its environment forgot, or wrongly, says.
 */
export type Mode = "production" | "development";

/** Everything galleta reads from the environment, validated once. */
export interface GalletaConfig {
  /** Development tolerates a missing MONGODB_URI and SESSION_SECRETS (a random secret per process); production refuses them. */
  readonly mode: Mode;
  /** The first signs; every one verifies, so secrets rotate without logging anyone out. */
  readonly secrets: readonly string[];
  readonly mongodbUri: string | undefined;
  readonly mongodbDb: string;
  readonly sessionsCollection: string;
  /** Idle timeout: a session unused this long expires (rolling). */
  readonly idleTimeoutMs: number;
  /** Absolute cap: after this long the user must log in again, however active. */
  readonly absoluteTimeoutMs: number;
  /** The expiry is refreshed at most once per this window, so a stream of reads costs no writes. */
  readonly touchAfterMs: number;
  /** Lifetime of the encrypted session cookie cache; 0 turns the cache off. */
  readonly cacheMs: number;
  /** Account and session control (issue 12): how recent a log-in sensitive actions need. */
  readonly reauthMs: number;
  /** At most this many live sessions per user; a log-in beyond it evicts the least recently used. */
  readonly maxSessionsPerUser: number;
  /** The absolute cap of a session logged in without "remember me". */
  readonly shortAbsoluteTimeoutMs: number;
  // Security limits (issue 10), one block so parallel edits to this file stay apart.
  /** Log-in attempts allowed per window: per (username, client network) pair, per network, per username. */
  readonly loginLimits: LoginLimits;
  /** Registrations allowed per client network per hour. */
  readonly registerLimitPerNetwork: number;
  /** Sessions a caller without one may start (visits, passkey options) per client network per log-in window (issue 15). */
  readonly anonymousSessionsPerNetwork: number;
  /** The site-wide ceilings on new work per log-in window, across every network. */
  readonly siteLimits: SiteLimits;
  /** scrypt's N for new password hashes in galleta's own tests (TEST_SCRYPT_N); undefined, the real cost, everywhere else. */
  readonly testScryptN: number | undefined;
  // Passkeys (issue 16), one block so parallel edits to this file stay apart.
  /** The relying party passkeys are bound to; undefined parts come from each request's own URL. */
  readonly webauthn: WebAuthnSettings;
}

/** WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, validated; undefined means "the request's own host / origin". */
export interface WebAuthnSettings {
  readonly rpId: string | undefined;
  readonly origins: readonly string[] | undefined;
}

/** How many log-in attempts each throttle counter allows within `windowMs`. */
export interface LoginLimits {
  readonly perPair: number;
  readonly perNetwork: number;
  readonly perUsername: number;
  /** Password checks and passkey sign-ins per account from its own browsers (a valid device cookie, a passkey), whatever their outcome. */
  readonly perAccount: number;
  readonly windowMs: number;
}

/**
 * What the whole site does per window (LOGIN_WINDOW_MINUTES, clock-aligned) for callers it does not
 * know, across every network: past a ceiling, that work answers 429. A browser with a live session
 * or a valid device cookie is never counted here, so it keeps working past them.
 */
export interface SiteLimits {
  /** Password hashes: checks for browsers without a valid device cookie, registrations, password changes without one. */
  readonly hashes: number;
  /** New accounts. */
  readonly registrations: number;
  /** Sessions started for callers without one (visits, passkey options). */
  readonly anonymousSessions: number;
}

const MIN_SECRET_LENGTH = 32;

export type Env = Readonly<Record<string, string | undefined>>;

let developmentSecretInUse: string | undefined;

// Said once in every production refusal, for whoever meant to run galleta locally.
const LOCALLY = "(To run it locally instead, use `npm run dev`, or set NODE_ENV=development; a deployed function is strict whatever NODE_ENV says.)";

/**
 * The one place the mode is decided. Netlify passes a site's environment variables to its
 * functions, and sites often set NODE_ENV=development for their builds (issue 15): so where AWS
 * Lambda's own variables say the function runs on Lambda, it is production whatever NODE_ENV says.
 * Netlify reserves these names, so a site cannot set them. `netlify dev` sets AWS_LAMBDA_FUNCTION_NAME
 * too (lambda-local, which runs each invocation, sets it to "handler"), so NETLIFY_DEV=true keeps
 * development there; but not beside AWS_LAMBDA_RUNTIME_API, which only Lambda itself sets (it is
 * the address its runtime fetches invocations from), as NETLIFY_DEV could then only be a site variable.
 */
function modeOf(env: Env): Mode {
  const lambdaRuntime = present(env.AWS_LAMBDA_RUNTIME_API);
  if (env.NETLIFY_DEV === "true" && !lambdaRuntime) return "development";
  if (lambdaRuntime || present(env.AWS_LAMBDA_FUNCTION_NAME)) return "production";
  return env.NODE_ENV === "development" || env.NODE_ENV === "test" ? "development" : "production";
}

function present(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}

function readSecrets(env: Env, production: boolean): string[] {
  const secrets = (env.SESSION_SECRETS ?? "")
    .split(",")
    .map((secret) => secret.trim())
    .filter((secret) => secret !== "");
  if (production) {
    if (secrets.length === 0) {
      throw new ConfigurationError(
        `SESSION_SECRETS is not set. Set it in the site's environment variables to one or more comma-separated random strings of at least 32 characters (e.g. \`openssl rand -base64 48\`), the same for every function. ${LOCALLY}`,
      );
    }
    if (secrets.some((secret) => secret.length < MIN_SECRET_LENGTH)) {
      throw new ConfigurationError(
        `Every secret in SESSION_SECRETS must be at least ${MIN_SECRET_LENGTH} characters long. Replace the short one with a longer random string (e.g. \`openssl rand -base64 48\`). ${LOCALLY}`,
      );
    }
    return secrets;
  }
  if (secrets.length > 0) return secrets;
  if (developmentSecretInUse === undefined) {
    const kept = developmentSecret();
    developmentSecretInUse = kept?.secret ?? randomBytes(32).toString("base64url");
    if (kept === undefined) {
      console.warn("galleta: SESSION_SECRETS is not set; using a random secret for this process (sessions end when it stops).");
    } else if (kept.made) {
      console.warn("galleta: SESSION_SECRETS is not set; made a random development secret in ~/.cache/galleta/ (kept for this project folder).");
    }
  }
  return [developmentSecretInUse];
}

function readDuration(env: Env, name: string, unitMs: number, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback * unitMs;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`${name} must be a non-negative number; it is "${raw}".`);
  }
  return value * unitMs;
}

/** A whole number of at least 1 (a cap of 0 sessions would lock every user out). */
function readCount(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a whole number of at least 1; it is "${raw}".`);
  }
  return value;
}

/** A duration that must not be 0 (a session capped at 0 hours could never be used). */
function readPositiveDuration(env: Env, name: string, unitMs: number, fallback: number): number {
  const value = readDuration(env, name, unitMs, fallback);
  if (value === 0) throw new ConfigurationError(`${name} must be greater than 0.`);
  return value;
}

/**
 * WEBAUTHN_RP_ID (a bare host name: no scheme, port or path) and WEBAUTHN_ORIGINS (comma-separated
 * origins, https except on localhost, each on the RP ID or a subdomain of it, as WebAuthn requires:
 * https://www.w3.org/TR/webauthn-3/#rp-id).
 */
function readWebAuthn(env: Env): WebAuthnSettings {
  const rpId = env.WEBAUTHN_RP_ID?.trim().toLowerCase() || undefined;
  if (rpId !== undefined && !/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(rpId)) {
    throw new ConfigurationError(`WEBAUTHN_RP_ID must be a host name such as example.com (no scheme, port or path); it is "${env.WEBAUTHN_RP_ID}".`);
  }
  const listed = (env.WEBAUTHN_ORIGINS ?? "").split(",").map((origin) => origin.trim()).filter((origin) => origin !== "");
  const origins = listed.map((origin) => {
    const url = URL.parse(origin);
    const local = url?.hostname === "localhost";
    if (url === null || url.origin !== origin.replace(/\/$/, "") || !(url.protocol === "https:" || (local && url.protocol === "http:"))) {
      throw new ConfigurationError(`WEBAUTHN_ORIGINS must list origins such as https://example.com (https, except http://localhost), comma-separated; "${origin}" is not one.`);
    }
    if (rpId !== undefined && url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
      throw new ConfigurationError(`Every origin in WEBAUTHN_ORIGINS must be on WEBAUTHN_RP_ID (${rpId}) or a subdomain of it; ${url.origin} is not.`);
    }
    return url.origin;
  });
  return Object.freeze({ rpId, origins: origins.length === 0 ? undefined : Object.freeze(origins) });
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * TEST_SCRYPT_N: a lower password hash cost, so that suites whose subject is not hashing do not
 * spend a quarter of a second of CPU per log-in (issue 17). Only a test may set it: development
 * mode (netlify dev under the e2e suites) or a vitest worker (VITEST=true; the integration suites
 * call the functions in process, in production mode on purpose). Anywhere else, a deploy included,
 * it stops every function, as a weaker hash must never reach real users' passwords.
 */
function readTestScryptN(env: Env, production: boolean): number | undefined {
  const raw = env.TEST_SCRYPT_N;
  if (raw === undefined || raw.trim() === "") return undefined;
  // On Lambda itself (AWS_LAMBDA_RUNTIME_API, which a site cannot set) not even VITEST lets it in.
  if (production && (env.VITEST !== "true" || present(env.AWS_LAMBDA_RUNTIME_API))) {
    throw new ConfigurationError("TEST_SCRYPT_N lowers the password hash cost for galleta's own tests and is refused in production. Remove it from the site's environment variables.");
  }
  const value = Number(raw);
  // scrypt takes a power of two above 1 (RFC 7914, section 2).
  if (!Number.isInteger(Math.log2(value)) || value < 2) {
    throw new ConfigurationError(`TEST_SCRYPT_N must be a power of two of at least 2; it is "${raw}".`);
  }
  return value;
}

/** Reads and validates the configuration from `env`; throws a ConfigurationError that says what to set. */
export function loadConfig(env: Env): GalletaConfig {
  const mode = modeOf(env);
  const production = mode === "production";
  const config: GalletaConfig = {
    mode,
    secrets: readSecrets(env, production),
    mongodbUri: env.MONGODB_URI?.trim() || undefined,
    mongodbDb: env.MONGODB_DB?.trim() || "galleta",
    sessionsCollection: env.SESSIONS_COLLECTION?.trim() || "sessions",
    idleTimeoutMs: readPositiveDuration(env, "SESSION_IDLE_MINUTES", MINUTE, 30),
    absoluteTimeoutMs: readPositiveDuration(env, "SESSION_ABSOLUTE_HOURS", HOUR, 24 * 7),
    touchAfterMs: readDuration(env, "SESSION_TOUCH_AFTER_SECONDS", SECOND, 60),
    cacheMs: readDuration(env, "SESSION_CACHE_SECONDS", SECOND, 0),
    // Account and session control (issue 12).
    reauthMs: readDuration(env, "SESSION_REAUTH_MINUTES", MINUTE, 10),
    maxSessionsPerUser: readCount(env, "SESSION_MAX_PER_USER", 10),
    shortAbsoluteTimeoutMs: readPositiveDuration(env, "SESSION_SHORT_ABSOLUTE_HOURS", HOUR, 12),
    // Security limits (issue 10).
    loginLimits: Object.freeze({
      perPair: readCount(env, "LOGIN_LIMIT_PER_PAIR", 5),
      perNetwork: readCount(env, "LOGIN_LIMIT_PER_NETWORK", 20),
      perUsername: readCount(env, "LOGIN_LIMIT_PER_USERNAME", 50),
      perAccount: readCount(env, "LOGIN_LIMIT_PER_ACCOUNT", 10),
      windowMs: readPositiveDuration(env, "LOGIN_WINDOW_MINUTES", MINUTE, 15),
    }),
    registerLimitPerNetwork: readCount(env, "REGISTER_LIMIT_PER_NETWORK", 10),
    anonymousSessionsPerNetwork: readCount(env, "ANONYMOUS_SESSIONS_PER_NETWORK", 100),
    siteLimits: Object.freeze({
      hashes: readCount(env, "SITE_LIMIT_HASHES", 1000),
      registrations: readCount(env, "SITE_LIMIT_REGISTRATIONS", 100),
      anonymousSessions: readCount(env, "SITE_LIMIT_ANONYMOUS_SESSIONS", 2000),
    }),
    // Issue 17: a cheaper password hash for the tests.
    testScryptN: readTestScryptN(env, production),
    // Passkeys (issue 16).
    webauthn: readWebAuthn(env),
  };
  if (production && config.mongodbUri === undefined) {
    throw new ConfigurationError(`MONGODB_URI is not set. Set it in the site's environment variables to your MongoDB Atlas connection string (mongodb+srv://…). ${LOCALLY}`);
  }
  return Object.freeze(config);
}

/** Every environment variable galleta reads. */
export const CONFIG_ENV = [
  "NETLIFY_DEV",
  "NODE_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_RUNTIME_API",
  "SESSION_SECRETS",
  "MONGODB_URI",
  "MONGODB_DB",
  "SESSIONS_COLLECTION",
  "SESSION_IDLE_MINUTES",
  "SESSION_ABSOLUTE_HOURS",
  "SESSION_TOUCH_AFTER_SECONDS",
  "SESSION_CACHE_SECONDS",
  "SESSION_REAUTH_MINUTES",
  "SESSION_MAX_PER_USER",
  "SESSION_SHORT_ABSOLUTE_HOURS",
  "LOGIN_LIMIT_PER_PAIR",
  "LOGIN_LIMIT_PER_NETWORK",
  "LOGIN_LIMIT_PER_USERNAME",
  "LOGIN_LIMIT_PER_ACCOUNT",
  "LOGIN_WINDOW_MINUTES",
  "REGISTER_LIMIT_PER_NETWORK",
  "ANONYMOUS_SESSIONS_PER_NETWORK",
  "SITE_LIMIT_HASHES",
  "SITE_LIMIT_REGISTRATIONS",
  "SITE_LIMIT_ANONYMOUS_SESSIONS",
  "TEST_SCRYPT_N",
  "WEBAUTHN_RP_ID",
  "WEBAUTHN_ORIGINS",
] as const;

let cached: { key: string; config: GalletaConfig } | undefined;

/** The process's configuration, validated on first use and again only when the environment changes. */
export function getConfig(): GalletaConfig {
  const key = CONFIG_ENV.map((name) => process.env[name] ?? "").join("\u0000");
  if (cached?.key !== key) cached = { key, config: loadConfig(process.env) };
  return cached.config;
}
