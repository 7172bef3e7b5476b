// The function server in a child process of its own, so that a test can load it from outside and
// measure its memory apart from the test's: `forkFunctionServer()` in the test, and this same file
// as the child's entry point, answering memory questions over the IPC channel.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What the child reports: `process.memoryUsage()`, after a full collection when asked. */
export type MemoryUsage = NodeJS.MemoryUsage;

type ToChild = { type: "memory"; gc: boolean } | { type: "stop" };
type FromChild = { type: "listening"; url: string } | { type: "memory"; usage: MemoryUsage };

/** A function server running in a child Node process. */
export interface ForkedFunctionServer {
  readonly url: string;
  readonly pid: number;
  /** The child's memory; with `gc`, measured right after a full garbage collection. */
  memory(options?: { gc?: boolean }): Promise<MemoryUsage>;
  /** Closes the server and the database client, and waits for the child to exit. */
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(import.meta.url);

/** Starts `netlify/function-server.ts` in a child process with `env` added to this one's. */
export async function forkFunctionServer(env: Record<string, string>): Promise<ForkedFunctionServer> {
  const child = fork(ENTRY, [], {
    env: { ...process.env, ...env },
    // Only what the child needs: not the test runner's own loader flags.
    execArgv: ["--expose-gc", "--disable-warning=ExperimentalWarning"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the function server exited (${code}) before listening`)));
    child.on("message", (message: FromChild) => {
      if (message.type === "listening") resolve(message.url);
    });
  });
  const send = (message: ToChild) => child.send(message);
  return {
    url,
    pid: child.pid ?? 0,
    memory: ({ gc = false } = {}) =>
      new Promise((resolve) => {
        const listener = (message: FromChild) => {
          if (message.type !== "memory") return;
          child.off("message", listener);
          resolve(message.usage);
        };
        child.on("message", listener);
        send({ type: "memory", gc });
      }),
    async stop() {
      if (child.exitCode === null) send({ type: "stop" });
      await exited;
    },
  };
}

// As the child: serve, then answer the parent until it says stop.
if (process.argv[1] === ENTRY && process.send !== undefined) {
  const { startFunctionServer } = await import("../../netlify/function-server.ts");
  const { closeDatabase } = await import("../../lib/runtime/mongo.ts");
  const server = await startFunctionServer();
  const reply = (message: FromChild) => process.send?.(message);
  process.on("message", async (message: ToChild) => {
    if (message.type === "memory") {
      if (message.gc) globalThis.gc?.();
      reply({ type: "memory", usage: process.memoryUsage() });
    } else {
      await server.close();
      await closeDatabase();
      process.disconnect?.();
    }
  });
  // If the parent dies, so does the server.
  process.on("disconnect", () => process.exit(0));
  reply({ type: "listening", url: server.url });
}
