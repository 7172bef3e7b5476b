// `npm run bench`: galleta side by side with express-session + connect-mongo and iron-session on the
// same workload and the same MongoDB (the local stand-in, or MONGODB_URI), apps alternating round by
// round, each in its own child process. Prints the markdown report and writes bench/results/latest.md.
//
// Settings (environment): BENCH_ROUNDS (5), BENCH_SECONDS per load run (2), BENCH_WARMUP_SECONDS per
// load run in the unrecorded warm-up round before them (2), BENCH_CONNECTIONS (10),
// BENCH_COMMAND_REQUESTS (50), BENCH_LOGIN_REQUESTS (4), BENCH_LOST_SIZES ("50,200"),
// BENCH_COLD_RUNS (10), BENCH_SEQUENTIAL (9: requests per route and delay to count round trips),
// BENCH_LATENCY_SECONDS (2: per load run at each database distance), MONGODB_URI (a real MongoDB
// instead of the stand-in: command counts and database distances n/a).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ColdTarget } from "./cold-start.ts";
import type { LoadResult } from "./load.ts";
import type { ArtifactFigures, BenchResults, BundleFigures, Footprint, LatencyFigure, SequentialFigure } from "./report.ts";
import type { AppSpec, CommandCounter, LoadRoute, LostUpdates, RoundOptions, RoundResult, RunningApp } from "./scenario.ts";

const BENCH = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(BENCH, "..");
process.chdir(ROOT);

// The peers' packages live in bench/node_modules; a fresh clone installs them on the first run.
// (Before any import of them: they are loaded dynamically below.)
if (!existsSync(join(BENCH, "node_modules"))) {
  console.error("bench: installing the peers' packages (npm install --prefix bench)…");
  execFileSync("npm", ["install", "--prefix", "bench", "--no-audit", "--no-fund"], { stdio: "inherit" });
}

const { MongoClient } = await import("mongodb");
const { bundleAll } = await import("./bundle.ts");
const { buildArtifact } = await import("./artifact.ts");
const { coldStartOnce, importOnce } = await import("./cold-start.ts");
const { spawnNode } = await import("./processes.ts");
const { Cookies, send } = await import("./client.ts");
const { renderReport } = await import("./report.ts");
const { loggedInCookie, measureCommands, measureLoad, measureLostUpdates, peakRssMiB, sequentialRun, startApp, warmUp } = await import("./scenario.ts");

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number; it is "${raw}".`);
  return value;
}

const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const rounds = setting("BENCH_ROUNDS", 5);
const seconds = setting("BENCH_SECONDS", 2);
const warmupSeconds = setting("BENCH_WARMUP_SECONDS", 2);
const connections = setting("BENCH_CONNECTIONS", 10);
const commandRequests = setting("BENCH_COMMAND_REQUESTS", 50);
const loginRequests = setting("BENCH_LOGIN_REQUESTS", 4);
const coldRuns = setting("BENCH_COLD_RUNS", 10);
const sequentialRequests = setting("BENCH_SEQUENTIAL", 9);
const latencySeconds = setting("BENCH_LATENCY_SECONDS", 2);
/** Milliseconds the stand-in waits before each reply: the same region, and another one (issue 11). */
const DISTANCES = [2, 20] as const;
const lostUpdateSizes = (process.env.BENCH_LOST_SIZES ?? "50,200").split(",").map(Number).filter((n) => n > 0);
// One user per load connection and as many again, so that no user has two logins in flight.
const users = Array.from({ length: 2 * connections }, (_, i) => ({ username: `bench-user-${i}`, password: `bench-password-${i}` }));
const log = (message: string) => console.error(`bench: ${message}`);

// The database: the stand-in in a process of its own, or MONGODB_URI with a database of our own.
const external = process.env.MONGODB_URI?.trim() || undefined;
const standin = external === undefined ? await spawnNode<{ uri: string }>(["bench/standin.ts"], process.env) : undefined;
const uri = external ?? standin?.first.uri ?? "";
const dbName = `galleta_bench_${randomBytes(4).toString("hex")}`;
const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
const admin = client.db("admin");
const counter: CommandCounter | undefined =
  standin === undefined
    ? undefined
    : {
        reset: async () => void (await admin.command({ standinResetCounts: 1 })),
        counts: async () => ((await admin.command({ standinCommandCounts: 1 })) as { counts: Record<string, number> }).counts,
      };

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  MONGODB_URI: uri,
  MONGODB_DB: dbName,
  SESSION_SECRETS: randomBytes(36).toString("base64url"),
  // Every bench user registers from 127.0.0.1, one network, past the production limit of 10 an hour.
  REGISTER_LIMIT_PER_NETWORK: "100000",
  // And each load starts its sessions without cookies from there too, past 100 per window.
  ANONYMOUS_SESSIONS_PER_NETWORK: "100000",
  // Its log-ins come from there without a device cookie, past 20 per network and 50 per user a
  // window, and the site-wide ceilings add all of it up.
  LOGIN_LIMIT_PER_NETWORK: "100000",
  LOGIN_LIMIT_PER_USERNAME: "100000",
  SITE_LIMIT_HASHES: "100000",
  SITE_LIMIT_REGISTRATIONS: "100000",
  SITE_LIMIT_ANONYMOUS_SESSIONS: "100000",
};
// The peers must not see galleta's own settings from the caller's environment, nor galleta the caller's cache setting.
delete env.SESSION_CACHE_SECONDS;

// What Netlify ships, and what every galleta figure below is measured on.
log("netlify build --offline");
const artifact = await buildArtifact(ROOT);
const shipped = { GALLETA_FUNCTIONS_BUILT: artifact.dir, GALLETA_FUNCTIONS: "login,register,session,visits" };

const apps: AppSpec[] = [
  { id: "galleta", label: "galleta", module: "bench/galleta-app.ts", env: { ...shipped, SESSION_CACHE_SECONDS: "0" } },
  {
    id: "galleta-cache",
    label: "galleta, cookie cache 30 s",
    module: "bench/galleta-app.ts",
    env: { ...shipped, SESSION_CACHE_SECONDS: "30" },
    // lib/sessions/session-cache.ts cacheCookieName(): `<session cookie>.cache`.
    cacheCookie: (name) => name.endsWith(".cache"),
  },
  { id: "express", label: "express-session + connect-mongo", module: "bench/peers/express-app.js", env: {} },
  { id: "iron", label: "iron-session", module: "bench/peers/iron-app.js", env: {} },
];
const notes: string[] = [];

async function createUsers(): Promise<void> {
  // Through galleta's own register function, so the peers read users exactly as galleta stores them.
  const child = await spawnNode<{ listening: number }>(["bench/launch.mjs", "bench/galleta-app.ts"], { ...env, ...shipped });
  try {
    const origin = `http://127.0.0.1:${child.first.listening}`;
    for (let i = 0; i < users.length; i += 4) {
      await Promise.all(
        users.slice(i, i + 4).map(async (user) => {
          const reply = await send(origin, "register", new Cookies(), user);
          if (reply.status !== 201) throw new Error(`Could not create ${user.username}: ${reply.status} ${JSON.stringify(reply.body)}`);
        }),
      );
    }
  } finally {
    await child.stop();
  }
}

let bundleDir: string | undefined;
const cookies = new Map<string, string>();
const latency: LatencyFigure[] = [];
const sequential: SequentialFigure[] = [];
const elapsed = () => ((performance.now() - started) / 1000).toFixed(0);
try {
  log(`database ${standin === undefined ? "MONGODB_URI" : `stand-in at ${uri}`}, database name ${dbName}`);
  await createUsers();

  // Every app in a process of its own for the whole run, measured in turns: for each round and
  // each measurement, A B C D (the first app rotating from round to round), so that a burst of other
  // work on the machine hits every app alike.
  const measured: RoundOptions = {
    seconds,
    connections,
    commandRequests,
    loginRequests,
    lostUpdateSizes,
    users,
    ...(standin?.process.pid === undefined ? {} : { dbPid: standin.process.pid }),
  };
  const running: RunningApp[] = [];
  for (const app of apps) running.push(await startApp(app, env));
  const results: RoundResult[] = [];
  const footprint: Footprint[] = [];
  try {
    for (const app of running) await warmUp(app, measured);
    log(`started ${running.length} apps (${elapsed()} s so far)`);
    // Round 0 warms every app and the database up (JIT, pools) and is not recorded.
    for (let round = 0; round <= rounds; round++) {
      const options = round === 0 ? { ...measured, seconds: warmupSeconds } : measured;
      const order = running.map((_, index) => running[(index + round) % running.length] as RunningApp);
      const commands = new Map<string, RoundResult["commands"]>();
      const loads = new Map<string, Partial<Record<LoadRoute, LoadResult>>>();
      const lost = new Map<string, LostUpdates[]>();
      if (counter !== undefined) for (const app of order) commands.set(app.spec.id, await measureCommands(app, counter, options));
      for (const route of ["session", "visits", "login"] as const) {
        if (route === "login" && round === 0) {
          // Before any concurrent login (scrypt takes 32 MiB per login in every app).
          for (const app of order) {
            footprint.push({ id: app.spec.id, peakRssMiB: await peakRssMiB(app), cookieBytes: (await loggedInCookie(app, options)).length });
          }
        }
        for (const app of order) loads.set(app.spec.id, { ...loads.get(app.spec.id), [route]: await measureLoad(app, route, options) });
      }
      for (const app of order) {
        const runs: LostUpdates[] = [];
        for (const n of lostUpdateSizes) runs.push(await measureLostUpdates(app, n, options));
        lost.set(app.spec.id, runs);
      }
      log(`round ${round}/${rounds} (${order.map((app) => app.spec.id).join(" → ")}) ${round === 0 ? "warm-up, not recorded" : "done"} (${elapsed()} s so far)`);
      if (round === 0) continue;
      for (const app of running) {
        const { session, visits, login } = loads.get(app.spec.id) ?? {};
        if (session === undefined || visits === undefined || login === undefined) throw new Error(`round ${round}: ${app.spec.id} has no load figures`);
        results.push({ app: app.spec.id, commands: commands.get(app.spec.id) ?? {}, load: { session, visits, login }, lost: lost.get(app.spec.id) ?? [] });
      }
    }

    // At a database distance: every reply of the stand-in delayed, load runs, then sequential
    // requests at no delay and at the largest one to count each route's round trips.
    if (standin !== undefined) {
      const setDelay = (ms: number) => standin.ask(JSON.stringify({ replyDelayMs: ms }));
      try {
        for (const delayMs of DISTANCES) {
          await setDelay(delayMs);
          log(`database ${delayMs} ms away (${elapsed()} s so far)`);
          for (const route of ["session", "visits", "login"] as const) {
            for (const app of running) {
              const load = await measureLoad(app, route, { ...measured, seconds: latencySeconds });
              latency.push({ app: app.spec.id, delayMs, route, p50Ms: load.p50Ms, p99Ms: load.p99Ms, failures: load.failures });
            }
          }
        }
        const farthest = DISTANCES[DISTANCES.length - 1] ?? 0;
        for (const delayMs of [0, farthest]) {
          await setDelay(delayMs);
          for (const route of ["session", "visits", "login"] as const) {
            for (const app of running) sequential.push({ app: app.spec.id, delayMs, route, ...(await sequentialRun(app, route, measured, sequentialRequests)) });
          }
        }
      } finally {
        await setDelay(0);
      }
    }
    // Last, after every other login: galleta caps a user's live sessions, and later logins would evict this one.
    for (const app of running) cookies.set(app.spec.id, await loggedInCookie(app, measured));
  } finally {
    await Promise.all(running.map((app) => app.child.stop()));
  }

  // Bundles, as Netlify builds them and minified.
  log(`bundling (${elapsed()} s so far)`);
  const entries = [
    // The adapter serves the shipped functions; it closes lib/'s client only when it serves the sources.
    { name: "adapter", entry: "bench/galleta-app.ts", file: "galleta-app", external: ["../lib/runtime/mongo.ts"] },
    { name: "express", entry: "bench/peers/express-app.js", file: "express-app" },
    { name: "iron", entry: "bench/peers/iron-app.js", file: "iron-app" },
  ];
  const built = await bundleAll(entries);
  bundleDir = built.dir;
  const bundleLabels: Record<string, string> = {
    adapter: "the bench's node:http adapter (galleta's cold start loads it too)",
    express: "express-session + connect-mongo app",
    iron: "iron-session app",
  };

  log(`import times (${elapsed()} s so far)`);
  const bundleFigures: BundleFigures[] = built.bundles.map((bundle) => ({
    name: bundle.name,
    label: bundleLabels[bundle.name] ?? bundle.name,
    netlifyBytes: bundle.netlify.bytes,
    minifiedBytes: bundle.minified.bytes,
    importNetlifyMs: [],
    importMinifiedMs: [],
  }));
  for (let run = 0; run < coldRuns; run++) {
    for (const [index, bundle] of built.bundles.entries()) {
      const figures = bundleFigures[index];
      if (figures === undefined) continue;
      figures.importNetlifyMs.push(await importOnce(bundle.netlify.file, env));
      figures.importMinifiedMs.push(await importOnce(bundle.minified.file, env));
    }
  }

  const artifactFigures: ArtifactFigures[] = artifact.functions
    .filter((fn) => ["session", "login", "visits", "cookies", "not-found"].includes(fn.name))
    .map((fn) => ({ name: fn.name, zipBytes: fn.zipBytes, files: fn.files, database: !["cookies", "cookie-delete", "not-found"].includes(fn.name), importMs: [], importNetlifyMs: [] }));
  for (let run = 0; run < coldRuns; run++) {
    for (const figures of artifactFigures) {
      const fn = artifact.functions.find((candidate) => candidate.name === figures.name);
      if (fn === undefined) continue;
      figures.importMs.push(await importOnce(fn.entry, env));
      figures.importNetlifyMs.push(await importOnce(fn.netlifyEntry, env));
    }
  }

  log(`cold starts (${elapsed()} s so far)`);
  const file = (name: string) => built.bundles.find((bundle) => bundle.name === name)?.netlify.file ?? "";
  const cookieOf = (id: string) => cookies.get(id) ?? "";
  const coldTargets: (ColdTarget & { label: string })[] = [
    {
      id: "galleta",
      label: "galleta (the node:http adapter + the shipped session function)",
      module: file("adapter"),
      env: { SESSION_CACHE_SECONDS: "0", GALLETA_FUNCTIONS_BUILT: artifact.dir, GALLETA_FUNCTIONS: "session" },
      cookie: cookieOf("galleta"),
    },
    { id: "express", label: "express-session + connect-mongo", module: file("express"), env: {}, cookie: cookieOf("express") },
    { id: "iron", label: "iron-session", module: file("iron"), env: {}, cookie: cookieOf("iron") },
  ];
  const coldStart = coldTargets.map((target) => ({ id: target.id, label: target.label, ms: [] as number[] }));
  for (let run = 0; run < coldRuns; run++) {
    for (const [index, target] of coldTargets.entries()) coldStart[index]?.ms.push(await coldStartOnce(target, env));
  }

  if (standin === undefined) notes.push("MONGODB_URI was set: database commands are n/a (only the stand-in counts them).");
  notes.push(
    "Peers check passwords against the hash galleta stored, with the parameters stored in it (scrypt N=2^17, r=8, p=1 for hashes galleta makes today), but neither throttles logins, records activity, caps sessions nor checks Origin; galleta does all four.",
    "Touch windows match: galleta's SESSION_TOUCH_AFTER_SECONDS default (60 s) and connect-mongo `touchAfter: 60`; idle timeout 30 min in all three apps (iron-session: `ttl` 30 min, not rolling).",
    "express-session's `regenerate()` on login drops the session's data (the visit counter); galleta's keeps it.",
    "The login load rotates over 20 users, each logging in again and again without logging out, so past the tenth every galleta log-in also evicts the least recently used session beyond SESSION_MAX_PER_USER: one more sequential round trip (the cap's delete, with its activity event) than a log-in under the cap, which takes 3. galleta's throttle reserves each attempt before the password check (lib/accounts/login-throttle.ts); correct log-ins never lock a user out (test/functions/throttling.test.ts).",
    "Cold start: galleta's adapter imports the shipped function (its entry, which imports its bundle) before it listens, and the function connects to the database on the first request, as on Netlify; the Express app imports everything and starts connecting before it listens.",
    "Database distance: the stand-in delays each of its replies by the given milliseconds (driver handshakes and monitoring excepted), as a database in the same region (2 ms) or another one (20 ms) would; sequential round trips = (fastest of the sequential requests at 20 ms − at 0 ms) / 20. Log-in latency at a distance is taken from those sequential requests (under load, logins queue behind each other's scrypt, which hides the distance).",
    "Timings on a shared 2-core machine move by tens of percent from run to run (see the load average above); command counts, lost updates and sizes do not. Rerun with BENCH_ROUNDS=9 for steadier medians.",
  );
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const report: BenchResults = {
    info: {
      date: new Date().toISOString().replace("T", " ").slice(0, 16) + " UTC",
      cpu,
      cores: cpus().length,
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
      os: `${platform()} ${release()}`,
      database: standin === undefined ? "MONGODB_URI (a real MongoDB)" : "the local MongoDB stand-in (netlify/mongo-standin), in its own process",
      rounds,
      order: apps.map((app) => app.label).join(" → "),
      seconds,
      warmupSeconds,
      connections,
      sequentialRequests,
      commandRequests,
      loginRequests,
      coldRuns,
      elapsedSeconds: (performance.now() - started) / 1000,
      loadAverage: [loadAtStart, loadavg()[0] ?? 0],
    },
    apps: apps.map(({ id, label }) => ({ id, label })),
    baseline: "express",
    rounds: results,
    footprint,
    bundles: bundleFigures,
    artifact: artifactFigures,
    latency,
    sequential,
    distances: [...DISTANCES],
    coldStart,
    notes,
  };
  const markdown = renderReport(report);
  await mkdir(join(BENCH, "results"), { recursive: true });
  await writeFile(join(BENCH, "results", "latest.md"), markdown);
  await writeFile(join(BENCH, "results", "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(markdown);
  log(`written to bench/results/latest.md (raw figures: latest.json) in ${report.info.elapsedSeconds.toFixed(0)} s`);
} finally {
  if (external !== undefined) await client.db(dbName).dropDatabase().catch(() => undefined);
  await client.close();
  await standin?.stop();
  if (bundleDir !== undefined) await rm(bundleDir, { recursive: true, force: true });
  await rm(artifact.dir, { recursive: true, force: true });
}
