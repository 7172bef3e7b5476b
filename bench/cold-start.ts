// Cold starts: a fresh `node` process per run. Import time is `import()` of one bundle, timed inside
// the process; a cold start is the time from spawning the process to the first response it sends.
import { spawnNode } from "./processes.ts";

/** A bundle started from cold: the module launch.mjs starts, extra environment, and a cookie to send. */
export interface ColdTarget {
  id: string;
  module: string;
  env: Record<string, string>;
  cookie: string;
}

/** Milliseconds from spawn to the end of the first response to `GET /api/session` with a logged-in cookie. */
export async function coldStartOnce(target: ColdTarget, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = await spawnNode<{ listening: number }>(["bench/launch.mjs", target.module], { ...env, ...target.env });
  try {
    const response = await fetch(`http://127.0.0.1:${child.first.listening}/api/session`, { headers: { cookie: target.cookie } });
    const text = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200 || !text.includes('"authenticated":true')) {
      throw new Error(`cold start of ${target.id}: ${response.status} ${text.slice(0, 200)}\n${child.stderr()}`);
    }
    return elapsed;
  } finally {
    await child.stop();
  }
}

/** The time `import()` of `module` takes in a fresh process (module evaluation only: nothing is called). */
export async function importOnce(module: string, env: NodeJS.ProcessEnv): Promise<number> {
  const child = await spawnNode<{ importMs: number }>(["bench/launch.mjs", module, "--import-only"], env);
  await child.stop();
  return child.first.importMs;
}
