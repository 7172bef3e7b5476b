import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_ENV } from "../../lib/runtime/config.ts";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";
import { LOW_PASSWORD_COST } from "./password-cost.ts";
import { freePorts } from "./ports.ts";

/** The session secret every suite run through `netlify dev` signs with. */
export const TEST_SECRET = "galleta-test-secret-not-for-production-0123456789";

/** A running `netlify dev`, however it was started. */
export interface DevServer {
  /** Where the site answers, e.g. http://localhost:23456 (no trailing slash). */
  url: string;
  /** The process the test started (netlify dev, or `npm run dev`'s launcher), leader of its process group. */
  pid: number;
  /** The copy of the project it runs in (copySite): a test may edit its sources as a developer would. */
  site: string;
  /** What it printed so far, for a failing test's message. */
  output(): string;
  /** Stops it with every process it started. */
  stop(): Promise<void>;
}

/** Where a running site answers, and the database its functions use. */
export interface SiteAddress {
  /** e.g. http://localhost:23456 (no trailing slash). */
  url: string;
  /** The connection string of the stand-in behind it. */
  mongoUri: string;
}

/** A running `netlify dev` with its own stand-in database. */
export interface NetlifyDev extends DevServer, SiteAddress {
  /** The stand-in the functions talk to: counters and fault switches for the tests. */
  standin: MongoStandin;
}

/** `npm run dev` (netlify/dev.ts), started with none of galleta's variables set. */
export interface NpmRunDev extends DevServer, SiteAddress {}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NETLIFY_BIN = fileURLToPath(new URL("../../node_modules/netlify-cli/bin/run.js", import.meta.url));
// What netlify dev needs of the project (and `npm run dev` of netlify/). Functions import only lib/.
const SITE_FILES = ["netlify.toml", "package.json", "functions", "lib", "public", "netlify"];
const SITES = join(ROOT, ".netlify", "test-sites");
const READY_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_LIMIT = 64 * 1024;
/** netlify dev's port flags, every port chosen here so that suites and other runs can go side by side; resolves to the main port too. */
async function portFlags(): Promise<{ port: number; flags: string[] }> {
  const [port = 0, functionsPort, staticPort] = await freePorts(3);
  return { port, flags: ["--skip-gitignore", "--functions-port", String(functionsPort), "--staticServerPort", String(staticPort)] };
}

/**
 * Starts a stand-in and the real `netlify dev` (functions, redirects, headers, static files) on
 * free ports, and resolves once GET /api/health answers 200. Every port it opens is chosen here,
 * so suites can run side by side. Rejects with netlify's output if it exits or is not ready in time.
 */
export async function startNetlifyDev(): Promise<NetlifyDev> {
  const { ready, ...site } = await spawnNetlifyDev();
  await ready;
  return site;
}

/** The per-account limit on log-ins, set out of reach of the suites whose users log in again and again. */
const ACCOUNT_LOGINS_OUT_OF_REACH = Object.freeze({ LOGIN_LIMIT_PER_ACCOUNT: "100000" });

/**
 * As startNetlifyDev, without waiting: netlify dev is still starting when this resolves, and
 * `ready` settles as startNetlifyDev would (on failure netlify dev is already stopped), so the
 * caller can do other work meanwhile.
 */
export async function spawnNetlifyDev(): Promise<NetlifyDev & { ready: Promise<void> }> {
  const standin = await startMongoStandin({ port: 0, host: "127.0.0.1" });
  try {
    const { port, flags } = await portFlags();
    const args = [NETLIFY_BIN, "dev", "--offline", "--internal-disable-edge-functions", "--port", String(port), ...flags];
    const env = {
      ...process.env,
      SESSION_SECRETS: TEST_SECRET,
      MONGODB_URI: standin.uri,
      // Every test's browser reaches netlify dev from 127.0.0.1: one network, which the production
      // limit of 10 registrations per hour would stop after the tenth test user.
      REGISTER_LIMIT_PER_NETWORK: "100000",
      // Likewise the limit of 100 new sessions without cookies per network and window (visits, passkey options),
      // the 20 log-ins per network and window of browsers without a device cookie (each test's is new),
      // and the site-wide ceilings, which every suite sharing this netlify dev adds up to.
      ANONYMOUS_SESSIONS_PER_NETWORK: "100000",
      LOGIN_LIMIT_PER_NETWORK: "100000",
      ...ACCOUNT_LOGINS_OUT_OF_REACH,
      SITE_LIMIT_HASHES: "100000",
      SITE_LIMIT_REGISTRATIONS: "100000",
      SITE_LIMIT_ANONYMOUS_SESSIONS: "100000",
      // netlify dev's functions run in development mode, where the tests' low hash cost is allowed.
      ...LOW_PASSWORD_COST,
    };
    const server = launch(args, env, port, () => standin.close());
    return { ...server, standin, mongoUri: standin.uri };
  } catch (error) {
    await standin.close();
    throw error;
  }
}

/**
 * Runs `npm run dev` (node netlify/dev.ts) the way a developer would after cloning: no MONGODB_URI,
 * no SESSION_SECRETS, no NODE_ENV, so the launcher starts its own stand-in and secret. Ports are
 * chosen here (PORT, and the launcher passes the other flags on to netlify dev). Only the tests'
 * low hash cost is set, which changes what a log-in costs, not how the launcher starts, and the
 * per-account limit on log-ins, which the load tests' four users, each logged in 25 times within
 * minutes, would reach (LOGIN_LIMIT_PER_ACCOUNT: 10 per window).
 */
export async function startNpmRunDev(): Promise<NpmRunDev> {
  const { port, flags } = await portFlags();
  const args = [join("netlify", "dev.ts"), ...flags];
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
  for (const name of CONFIG_ENV) delete env[name];
  Object.assign(env, LOW_PASSWORD_COST, ACCOUNT_LOGINS_OUT_OF_REACH);
  const { ready, ...server } = launch(args, env, port, async () => undefined);
  await ready;
  const mongoUri = /local MongoDB stand-in at (mongodb:\/\/\S+?)\s/.exec(server.output())?.[1];
  if (mongoUri === undefined) {
    await server.stop();
    throw new Error(`npm run dev did not say where its stand-in is:\n${server.output()}`);
  }
  return { ...server, mongoUri };
}

/**
 * Spawns `node args…` in a fresh copy of the site, in its own process group; `ready` resolves once
 * /api/health answers 200, or rejects with its output after stopping it (and calling `release`).
 */
function launch(args: string[], env: NodeJS.ProcessEnv, port: number, release: () => Promise<void>): DevServer & { ready: Promise<void> } {
  const site = copySite();
  const child = spawn(process.execPath, args, {
    cwd: site,
    // Its own process group, so stop() can end netlify dev and everything it spawned at once.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // netlify dev imports each function afresh, in a new worker thread, for every request; Node's
    // compile cache spares those imports compiling the driver and lib/ again (about a third of each
    // request's time here). netlify-cli turns it on for itself, but not on CI or under NODE_ENV=test,
    // and never for its workers. It lives and goes with the copy: its entries are keyed by path, so
    // one shared by every copy grew by about 50 MB a run (730 MB after a day's runs).
    env: { ...env, BROWSER: "none", NO_COLOR: "1", NODE_COMPILE_CACHE: join(site, ".netlify", "compile-cache") },
  });
  let output = "";
  const record = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", record);
  child.stderr?.on("data", record);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => {
    killGroup(child, "SIGKILL");
    rmSync(site, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);

  let stopped: Promise<void> | undefined;
  const server: DevServer = {
    url: `http://localhost:${port}`,
    pid: child.pid ?? 0,
    site,
    output: () => output,
    stop() {
      stopped ??= (async () => {
        process.off("exit", killOnExit);
        await stopGroup(child, exited);
        await release();
        rmSync(site, { recursive: true, force: true });
      })();
      return stopped;
    },
  };

  const exitedEarly = () => (child.exitCode === null && child.signalCode === null ? undefined : "netlify dev exited before it was ready");
  const ready = waitUntilHealthy(server.url, exitedEarly).catch(async (error: unknown) => {
    await server.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${output}`);
  });
  return { ...server, ready };
}

/**
 * A copy of the site for one netlify dev, under .netlify/test-sites/: netlify dev builds functions
 * into its project's .netlify/functions-serve, and two instances building into the same one crash
 * each other. Inside the repository, the copy still finds node_modules by walking up (symlinks
 * would not do: the function bundler mixes their real and linked paths). Copies left by a process
 * that died are removed here.
 */
function copySite(): string {
  mkdirSync(SITES, { recursive: true });
  for (const name of readdirSync(SITES)) {
    if (!processAlive(Number(name.split("-")[0]))) rmSync(join(SITES, name), { recursive: true, force: true });
  }
  const site = join(SITES, `${process.pid}-${randomBytes(4).toString("hex")}`);
  for (const name of SITE_FILES) cpSync(join(ROOT, name), join(site, name), { recursive: true });
  // netlify dev takes the nearest `.git` directory as the project root and reads the functions
  // from there; in a git worktree (where `.git` is a file) that is the main checkout's, not this one.
  mkdirSync(join(site, ".git"));
  // netlify-cli 27 starts a local Netlify Database (PGlite, with an initdb in .netlify/db) at every
  // start, and has no switch for it; galleta uses none. A file where that directory goes makes the
  // start fail at once (netlify dev says "Failed to start Netlify Database locally" and goes on): each
  // start takes about 7 CPU-seconds instead of 13, and is ready in 5 s instead of 9.
  mkdirSync(join(site, ".netlify"));
  writeFileSync(join(site, ".netlify", "db"), "");
  return site;
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once GET /api/health answers 200; rejects when `gone()` names a reason to stop
 * waiting (the server exited), or after READY_TIMEOUT_MS.
 */
export async function waitUntilHealthy(url: string, gone: () => string | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    const reason = gone();
    if (reason !== undefined) throw new Error(reason);
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`netlify dev did not answer GET /api/health with 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last})`);
}

/** SIGTERM to the group, then SIGKILL to whatever is left of it after STOP_TIMEOUT_MS. */
async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) killGroup(child, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  // The grace period's timer goes once the leader has exited: left running, it kept the test
  // runner's process alive for up to 10 s after its last test.
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (grace = setTimeout(resolve, STOP_TIMEOUT_MS)))]);
  clearTimeout(grace);
  // The leader may be gone while a child it started lingers (the group outlives it).
  while (groupAlive(child) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  killGroup(child, "SIGKILL");
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the whole group has already exited.
  }
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}
