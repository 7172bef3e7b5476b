// Child processes of the benchmark: each app and the stand-in run in one of their own, started
// here and told to stop by closing their stdin (they exit with us even if we crash).
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";

/** A child that printed its first JSON line. */
export interface Child<Line> {
  process: ChildProcess;
  /** The first line the child printed, parsed. */
  first: Line;
  /** Milliseconds from spawn to that line. */
  readyMs: number;
  /** The last few KB the child wrote to stderr. */
  stderr(): string;
  /** Writes one line to the child's stdin and resolves with the next line it prints. */
  ask(line: string): Promise<string>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/** Spawns `node …args` and waits for its first stdout line, a JSON object. */
export function spawnNode<Line>(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Child<Line>> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin.end();
    });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`node ${args.join(" ")} printed nothing within ${READY_TIMEOUT_MS} ms.\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(" ")} exited (${code ?? signal}) before it was ready.\n${stderr}`));
    });
    lines.once("line", (line) => {
      clearTimeout(timer);
      const readyMs = performance.now() - started;
      // Keep draining stdout so a chatty child never blocks on a full pipe; a waiting ask() takes the next line.
      const waiting: ((line: string) => void)[] = [];
      lines.on("line", (next) => waiting.shift()?.(next));
      const ask = (question: string) =>
        new Promise<string>((answer) => {
          waiting.push(answer);
          child.stdin.write(`${question}\n`);
        });
      try {
        resolve({ process: child, first: JSON.parse(line) as Line, readyMs, stderr: () => stderr, stop, ask });
      } catch {
        void stop();
        reject(new Error(`node ${args.join(" ")} printed ${JSON.stringify(line.slice(0, 200))}, not JSON.\n${stderr}`));
      }
    });
  });
}

/** Linux's USER_HZ: /proc reports CPU time in 1/100 s on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used so far, from /proc; undefined elsewhere. */
export async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
    // utime field 14, stime field 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
