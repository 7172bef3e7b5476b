import { spawn } from "node:child_process";
import { loadavg } from "node:os";

/** How `npm run test:repeat` was asked to run: how many times, and what to pass on to vitest. */
export interface RepeatRequest {
  readonly times: number;
  readonly vitestArgs: readonly string[];
}

/** The default number of runs: enough for a flake that fails one run in a few to show up. */
export const DEFAULT_TIMES = 10;

/**
 * Reads the number of runs from the first argument if it is a whole number, else from TEST_REPEAT,
 * else DEFAULT_TIMES; every other argument goes to vitest (a file, `-t`, a reporter).
 */
export function repeatRequest(args: readonly string[], env: NodeJS.ProcessEnv): RepeatRequest {
  const [first, ...rest] = args;
  if (first !== undefined && /^\d+$/.test(first)) return { times: runs(first, "the first argument"), vitestArgs: rest };
  const fromEnv = env.TEST_REPEAT?.trim();
  return { times: fromEnv ? runs(fromEnv, "TEST_REPEAT") : DEFAULT_TIMES, vitestArgs: args };
}

function runs(text: string, where: string): number {
  const times = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(times) || times < 1) throw new TypeError(`${where} must be a whole number of runs, 1 or more (got "${text}")`);
  return times;
}

/** What a repetition came to: the run that failed (1-based) and its exit code, or none. */
export type RepeatOutcome = { readonly passed: number } & ({ readonly failedRun: number; readonly exitCode: number } | { readonly failedRun?: undefined });

/**
 * Runs `command` up to `times` times, one after another, and stops at the first run that fails,
 * saying which one it was. Each run's line carries the machine's load average, since a flake that
 * shows only under load is worth knowing as one.
 */
export async function repeatUntilFailure(command: string, args: readonly string[], times: number, log: (line: string) => void = console.log): Promise<RepeatOutcome> {
  for (let run = 1; run <= times; run += 1) {
    const load = loadavg()[0]?.toFixed(1);
    log(`test:repeat: run ${run} of ${times} (load average ${load})`);
    const started = performance.now();
    const exitCode = await exitOf(command, args);
    const seconds = Math.round((performance.now() - started) / 1000);
    if (exitCode !== 0) {
      log(`test:repeat: run ${run} of ${times} FAILED (exit ${exitCode}, ${seconds} s); ${run - 1} passed before it. Its output is above.`);
      return { passed: run - 1, failedRun: run, exitCode };
    }
    log(`test:repeat: run ${run} of ${times} passed (${seconds} s)`);
  }
  log(`test:repeat: all ${times} runs passed`);
  return { passed: times };
}

/** The exit code of a child that shares this terminal; a child killed by a signal counts as 1. */
function exitOf(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
