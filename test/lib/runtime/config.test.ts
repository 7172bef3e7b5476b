import { describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../../lib/runtime/config.ts";
import { ConfigurationError } from "../../../lib/http/errors.ts";

const longSecret = "x".repeat(32);
const production = { CONTEXT: "production", MONGODB_URI: "mongodb://db.example/" };

describe("loadConfig", () => {
  it.each([
    ["CONTEXT=production", { CONTEXT: "production" }],
    ["NODE_ENV=production", { NODE_ENV: "production" }],
  ])("refuses to start in production (%s) without SESSION_SECRETS", (_case, env) => {
    expect(() => loadConfig({ ...env, MONGODB_URI: "mongodb://db.example/" })).toThrow(/SESSION_SECRETS is not set/);
  });

  it("refuses a production secret under 32 characters and says how long it must be", () => {
    expect(() => loadConfig({ ...production, SESSION_SECRETS: `${longSecret},short` })).toThrow(/at least 32 characters/);
  });

  it("refuses production without MONGODB_URI", () => {
    expect(() => loadConfig({ CONTEXT: "production", SESSION_SECRETS: longSecret })).toThrow(ConfigurationError);
  });

  it("reads comma-separated secrets in order, trimming spaces", () => {
    const second = "y".repeat(40);
    expect(loadConfig({ ...production, SESSION_SECRETS: ` ${longSecret} , ${second} ` }).secrets).toEqual([longSecret, second]);
  });

  it("uses one random secret per process in development, with a one-line warning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const first = loadConfig({});
    const second = loadConfig({});
    expect(first.secrets).toHaveLength(1);
    expect(first.secrets[0]?.length).toBeGreaterThanOrEqual(32);
    expect(second.secrets).toEqual(first.secrets);
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
    warn.mockRestore();
  });

  it("reads the timeouts in their units and has sensible defaults", () => {
    expect(loadConfig({ SESSION_SECRETS: longSecret })).toMatchObject({
      idleTimeoutMs: 30 * 60_000,
      absoluteTimeoutMs: 7 * 24 * 3_600_000,
      touchAfterMs: 60_000,
      cacheMs: 0,
      sessionsCollection: "sessions",
      mongodbDb: "galleta",
    });
    expect(loadConfig({ SESSION_SECRETS: longSecret, SESSION_IDLE_MINUTES: "5", SESSION_CACHE_SECONDS: "10" })).toMatchObject({
      idleTimeoutMs: 300_000,
      cacheMs: 10_000,
    });
  });

  it("reads the account settings (re-authentication window, session cap, short absolute cap) with their defaults", () => {
    expect(loadConfig({ SESSION_SECRETS: longSecret })).toMatchObject({
      reauthMs: 10 * 60_000,
      maxSessionsPerUser: 10,
      shortAbsoluteTimeoutMs: 12 * 3_600_000,
    });
    expect(
      loadConfig({ SESSION_SECRETS: longSecret, SESSION_REAUTH_MINUTES: "2", SESSION_MAX_PER_USER: "3", SESSION_SHORT_ABSOLUTE_HOURS: "1" }),
    ).toMatchObject({ reauthMs: 120_000, maxSessionsPerUser: 3, shortAbsoluteTimeoutMs: 3_600_000 });
  });

  it.each([
    ["SESSION_MAX_PER_USER", "0"],
    ["SESSION_MAX_PER_USER", "2.5"],
    ["SESSION_MAX_PER_USER", "many"],
    ["SESSION_SHORT_ABSOLUTE_HOURS", "0"],
    ["SESSION_REAUTH_MINUTES", "-1"],
  ])("refuses %s=%s with a message naming it", (name, value) => {
    expect(() => loadConfig({ SESSION_SECRETS: longSecret, [name]: value })).toThrow(new RegExp(name));
  });

  it.each([["-1"], ["soon"], ["0"]])("refuses SESSION_IDLE_MINUTES=%s", (value) => {
    expect(() => loadConfig({ SESSION_SECRETS: longSecret, SESSION_IDLE_MINUTES: value })).toThrow(ConfigurationError);
  });

  it("reads the security limits (issue 10) with OWASP-minded defaults", () => {
    expect(loadConfig({ SESSION_SECRETS: longSecret })).toMatchObject({
      loginLimits: { perPair: 5, perNetwork: 20, perUsername: 50, windowMs: 15 * 60_000 },
      registerLimitPerNetwork: 10,
    });
    const env = { LOGIN_LIMIT_PER_PAIR: "3", LOGIN_LIMIT_PER_NETWORK: "7", LOGIN_LIMIT_PER_USERNAME: "9", LOGIN_WINDOW_MINUTES: "5", REGISTER_LIMIT_PER_NETWORK: "2" };
    expect(loadConfig({ SESSION_SECRETS: longSecret, ...env })).toMatchObject({
      loginLimits: { perPair: 3, perNetwork: 7, perUsername: 9, windowMs: 5 * 60_000 },
      registerLimitPerNetwork: 2,
    });
  });

  it.each([
    ["LOGIN_LIMIT_PER_PAIR", "0"],
    ["LOGIN_LIMIT_PER_NETWORK", "1.5"],
    ["LOGIN_LIMIT_PER_USERNAME", "lots"],
    ["LOGIN_WINDOW_MINUTES", "0"],
    ["REGISTER_LIMIT_PER_NETWORK", "-1"],
  ])("refuses the security limit %s=%s with a message naming it", (name, value) => {
    expect(() => loadConfig({ SESSION_SECRETS: longSecret, [name]: value })).toThrow(new RegExp(name));
  });
});
