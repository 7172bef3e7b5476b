import { onTestFinished } from "vitest";

/**
 * Issue 17: the password hash cost of the suites whose subject is not hashing. scrypt at N = 2^10
 * instead of 2^17 takes about 2 ms and 1 MiB instead of a quarter of a second and 128 MiB, and
 * those suites register and log in hundreds of users. Only a test may set TEST_SCRYPT_N: a deploy
 * refuses it (test/reliability/secrets.test.ts, test/lib/runtime/config.test.ts).
 */
export const LOW_PASSWORD_COST: Readonly<Record<string, string>> = Object.freeze({ TEST_SCRYPT_N: "1024" });

/** The real cost (TEST_SCRYPT_N empty counts as unset), for the suites and tests about hashing. */
export const REAL_PASSWORD_COST: Readonly<Record<string, string>> = Object.freeze({ TEST_SCRYPT_N: "" });

/** Runs the rest of the current test at the real cost, for a test about the stored hash in a suite at the low one; restored when the test ends. */
export function useRealPasswordCostInThisTest(): void {
  const saved = process.env.TEST_SCRYPT_N;
  process.env.TEST_SCRYPT_N = "";
  onTestFinished(() => {
    if (saved === undefined) delete process.env.TEST_SCRYPT_N;
    else process.env.TEST_SCRYPT_N = saved;
  });
}
