import { describe, expect, it, vi } from "vitest";
import { loadConfig, type Env } from "../../../lib/runtime/config.ts";
import { ConfigurationError } from "../../../lib/http/errors.ts";
import { passwordCost } from "../../../lib/accounts/passwords.ts";

const longSecret = "x".repeat(32);
// A deployed function's environment: none of NETLIFY_DEV, NODE_ENV or CONTEXT (build-time only on Netlify).
const deployed = { MONGODB_URI: "mongodb://db.example/" };

/** What loadConfig tells the operator (the log's sentence), or undefined if it accepts `env`. */
function refusal(env: Env): string | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.detail;
    throw error;
  }
}

describe("the mode", () => {
  it.each([
    ["nothing (a deployed function)", {}, "production"],
    ["CONTEXT=production", { CONTEXT: "production" }, "production"],
    ["CONTEXT=dev, which only netlify dev's own variables may say", { CONTEXT: "dev" }, "production"],
    ["NODE_ENV=production", { NODE_ENV: "production" }, "production"],
    ["NODE_ENV=staging", { NODE_ENV: "staging" }, "production"],
    ["NETLIFY_DEV=false", { NETLIFY_DEV: "false" }, "production"],
    ["NETLIFY_DEV=true (netlify dev)", { NETLIFY_DEV: "true" }, "development"],
    ["NODE_ENV=development", { NODE_ENV: "development" }, "development"],
    ["NODE_ENV=test (vitest)", { NODE_ENV: "test" }, "development"],
    // Issue 15: on Lambda, where Netlify runs deployed functions, a site's NODE_ENV does not count.
    ["AWS_LAMBDA_FUNCTION_NAME set (a deployed function)", { AWS_LAMBDA_FUNCTION_NAME: "galleta-login" }, "production"],
    ["NODE_ENV=development on Lambda", { AWS_LAMBDA_FUNCTION_NAME: "galleta-login", NODE_ENV: "development" }, "production"],
    ["NODE_ENV=test on Lambda", { AWS_LAMBDA_FUNCTION_NAME: "galleta-login", NODE_ENV: "test" }, "production"],
    ["AWS_LAMBDA_RUNTIME_API set with NODE_ENV=development", { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001", NODE_ENV: "development" }, "production"],
    ["NETLIFY_DEV=true beside Lambda's runtime API (a site variable, not netlify dev)", { AWS_LAMBDA_FUNCTION_NAME: "galleta-login", AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001", NETLIFY_DEV: "true" }, "production"],
    // What netlify dev's lambda-local sets around each invocation.
    ["netlify dev (NETLIFY_DEV=true, AWS_LAMBDA_FUNCTION_NAME=handler)", { NETLIFY_DEV: "true", AWS_LAMBDA_FUNCTION_NAME: "handler", NODE_ENV: "development" }, "development"],
    ["an empty AWS_LAMBDA_FUNCTION_NAME", { AWS_LAMBDA_FUNCTION_NAME: "", NODE_ENV: "development" }, "development"],
  ])("is %s → %s", (_case, env, mode) => {
    expect(loadConfig({ ...env, MONGODB_URI: "mongodb://db.example/", SESSION_SECRETS: longSecret }).mode).toBe(mode);
  });
});

describe("in production", () => {
  it.each([
    ["no SESSION_SECRETS", {}, /SESSION_SECRETS is not set/],
    ["an empty SESSION_SECRETS", { SESSION_SECRETS: " , " }, /SESSION_SECRETS is not set/],
    ["a secret under 32 characters", { SESSION_SECRETS: `${longSecret},short` }, /at least 32 characters/],
    ["a 10-character secret on Lambda with NODE_ENV=development", { AWS_LAMBDA_FUNCTION_NAME: "galleta-login", NODE_ENV: "development", SESSION_SECRETS: "0123456789" }, /at least 32 characters/],
    ["no MONGODB_URI", { MONGODB_URI: "", SESSION_SECRETS: longSecret }, /MONGODB_URI is not set/],
  ])("refuses %s and says what to set, and how to run locally instead", (_case, env, what) => {
    const detail = refusal({ ...deployed, ...env });
    expect(detail).toMatch(what);
    expect(detail).toMatch(/Set it|Replace the short one/);
    expect(detail).toMatch(/npm run dev/);
  });

  it("keeps what it refuses out of the error's message, which is what a client would see", () => {
    let caught: unknown;
    try {
      loadConfig(deployed);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).code).toBe("server_misconfigured");
    expect((caught as ConfigurationError).status).toBe(500);
    expect((caught as ConfigurationError).message).not.toMatch(/SESSION_SECRETS|MONGODB_URI|32/);
  });

  it("reads comma-separated secrets in order, trimming spaces", () => {
    const second = "y".repeat(40);
    expect(loadConfig({ ...deployed, SESSION_SECRETS: ` ${longSecret} , ${second} ` }).secrets).toEqual([longSecret, second]);
  });
});

describe("in development", () => {
  it.each([
    ["NETLIFY_DEV=true", { NETLIFY_DEV: "true" }],
    ["NODE_ENV=development", { NODE_ENV: "development" }],
    ["NODE_ENV=test", { NODE_ENV: "test" }],
  ])("needs nothing else (%s): one random secret per process, with a one-line warning, and no MONGODB_URI", (_case, env) => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const first = loadConfig(env);
    const second = loadConfig(env);
    expect(first.secrets).toHaveLength(1);
    expect(first.secrets[0]?.length).toBeGreaterThanOrEqual(32);
    expect(second.secrets).toEqual(first.secrets);
    expect(first.mongodbUri).toBeUndefined();
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
    warn.mockRestore();
  });

  it("accepts a short secret, so a quick local try needs no ceremony", () => {
    expect(loadConfig({ NODE_ENV: "development", SESSION_SECRETS: "short" }).secrets).toEqual(["short"]);
  });
});

describe("the other settings", () => {
  it("reads the timeouts in their units, with sensible defaults", () => {
    expect(loadConfig({ ...deployed, SESSION_SECRETS: longSecret })).toMatchObject({
      idleTimeoutMs: 30 * 60_000,
      absoluteTimeoutMs: 7 * 24 * 3_600_000,
      touchAfterMs: 60_000,
      cacheMs: 0,
      sessionsCollection: "sessions",
      mongodbDb: "galleta",
    });
    expect(loadConfig({ ...deployed, SESSION_SECRETS: longSecret, SESSION_IDLE_MINUTES: "5", SESSION_CACHE_SECONDS: "10" })).toMatchObject({
      idleTimeoutMs: 300_000,
      cacheMs: 10_000,
    });
  });

  it("reads the account settings (re-authentication window, session cap, short absolute cap) with their defaults", () => {
    expect(loadConfig({ ...deployed, SESSION_SECRETS: longSecret })).toMatchObject({
      reauthMs: 10 * 60_000,
      maxSessionsPerUser: 10,
      shortAbsoluteTimeoutMs: 12 * 3_600_000,
    });
    expect(
      loadConfig({ ...deployed, SESSION_SECRETS: longSecret, SESSION_REAUTH_MINUTES: "2", SESSION_MAX_PER_USER: "3", SESSION_SHORT_ABSOLUTE_HOURS: "1" }),
    ).toMatchObject({ reauthMs: 120_000, maxSessionsPerUser: 3, shortAbsoluteTimeoutMs: 3_600_000 });
  });

  it.each([
    ["SESSION_MAX_PER_USER", "0"],
    ["SESSION_MAX_PER_USER", "2.5"],
    ["SESSION_MAX_PER_USER", "many"],
    ["SESSION_SHORT_ABSOLUTE_HOURS", "0"],
    ["SESSION_REAUTH_MINUTES", "-1"],
  ])("refuses %s=%s, naming it in the log", (name, value) => {
    expect(refusal({ ...deployed, SESSION_SECRETS: longSecret, [name]: value })).toMatch(new RegExp(name));
  });

  it.each([["-1"], ["soon"], ["0"]])("refuses SESSION_IDLE_MINUTES=%s", (value) => {
    expect(() => loadConfig({ ...deployed, SESSION_SECRETS: longSecret, SESSION_IDLE_MINUTES: value })).toThrow(ConfigurationError);
  });

  it("reads the security limits with OWASP-minded defaults, and the site-wide ceilings", () => {
    expect(loadConfig({ ...deployed, SESSION_SECRETS: longSecret })).toMatchObject({
      loginLimits: { perPair: 5, perNetwork: 20, perUsername: 50, perAccount: 10, windowMs: 15 * 60_000 },
      registerLimitPerNetwork: 10,
      anonymousSessionsPerNetwork: 100,
      siteLimits: { hashes: 1000, registrations: 100, anonymousSessions: 2000 },
    });
    const env = {
      LOGIN_LIMIT_PER_PAIR: "3",
      LOGIN_LIMIT_PER_NETWORK: "7",
      LOGIN_LIMIT_PER_USERNAME: "9",
      LOGIN_LIMIT_PER_ACCOUNT: "6",
      LOGIN_WINDOW_MINUTES: "5",
      REGISTER_LIMIT_PER_NETWORK: "2",
      ANONYMOUS_SESSIONS_PER_NETWORK: "4",
      SITE_LIMIT_HASHES: "300",
      SITE_LIMIT_REGISTRATIONS: "30",
      SITE_LIMIT_ANONYMOUS_SESSIONS: "500",
    };
    expect(loadConfig({ ...deployed, SESSION_SECRETS: longSecret, ...env })).toMatchObject({
      loginLimits: { perPair: 3, perNetwork: 7, perUsername: 9, perAccount: 6, windowMs: 5 * 60_000 },
      registerLimitPerNetwork: 2,
      anonymousSessionsPerNetwork: 4,
      siteLimits: { hashes: 300, registrations: 30, anonymousSessions: 500 },
    });
  });

  it.each([
    ["LOGIN_LIMIT_PER_PAIR", "0"],
    ["LOGIN_LIMIT_PER_NETWORK", "1.5"],
    ["LOGIN_LIMIT_PER_USERNAME", "lots"],
    ["LOGIN_WINDOW_MINUTES", "0"],
    ["REGISTER_LIMIT_PER_NETWORK", "-1"],
    ["ANONYMOUS_SESSIONS_PER_NETWORK", "0"],
    ["LOGIN_LIMIT_PER_ACCOUNT", "0"],
    ["SITE_LIMIT_HASHES", "none"],
    ["SITE_LIMIT_REGISTRATIONS", "2.5"],
    ["SITE_LIMIT_ANONYMOUS_SESSIONS", "-5"],
  ])("refuses the security limit %s=%s, naming it in the log", (name, value) => {
    expect(refusal({ ...deployed, SESSION_SECRETS: longSecret, [name]: value })).toMatch(new RegExp(name));
  });
});

// Issue 17: the tests' low password hash cost is configuration a deploy must refuse.
describe("TEST_SCRYPT_N, the tests' password hash cost", () => {
  it("is refused in production, a deploy's environment, however valid its value and the rest", () => {
    const detail = refusal({ ...deployed, SESSION_SECRETS: longSecret, TEST_SCRYPT_N: "1024" });
    expect(detail).toMatch(/TEST_SCRYPT_N .*refused in production/);
    expect(detail).toMatch(/Remove it/);
  });

  it("is refused on AWS Lambda, where Netlify runs a deploy, even beside a VITEST=true the site set", () => {
    const onLambda = { ...deployed, SESSION_SECRETS: longSecret, AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001", VITEST: "true" };
    expect(refusal({ ...onLambda, TEST_SCRYPT_N: "1024" })).toMatch(/TEST_SCRYPT_N .*refused in production/);
  });

  it("leaves a deploy at the real cost, N = 2^17, when it is not set", () => {
    const config = loadConfig({ ...deployed, SESSION_SECRETS: longSecret });
    expect(config.testScryptN).toBeUndefined();
    expect(passwordCost(config)).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it.each([
    ["in development (netlify dev under the e2e suites)", { NETLIFY_DEV: "true", SESSION_SECRETS: longSecret }],
    ["in a vitest worker, where the integration suites run the functions in production mode", { ...deployed, SESSION_SECRETS: longSecret, VITEST: "true" }],
  ])("is taken %s", (_case, env) => {
    const config = loadConfig({ ...env, TEST_SCRYPT_N: "1024" });
    expect(config.testScryptN).toBe(1024);
    expect(passwordCost(config)).toEqual({ N: 1024, r: 8, p: 1 });
  });

  it.each([["1000"], ["1"], ["0"], ["-1024"], ["cheap"]])("refuses %s, which is no power of two above 1", (value) => {
    expect(refusal({ NETLIFY_DEV: "true", SESSION_SECRETS: longSecret, TEST_SCRYPT_N: value })).toMatch(/TEST_SCRYPT_N must be a power of two/);
  });
});
