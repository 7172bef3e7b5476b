// Turns the measurements into the markdown table `npm run bench` prints and writes, with the
// targets of issues 6 and 11 marked met or not met.
import type { LoadResult } from "./load.ts";
import type { CommandFigure, CommandRoute, LoadRoute, RoundResult } from "./scenario.ts";

/** Where and how the figures were taken. */
export interface RunInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  database: string;
  rounds: number;
  order: string;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  sequentialRequests: number;
  commandRequests: number;
  loginRequests: number;
  coldRuns: number;
  elapsedSeconds: number;
  /** 1-minute load average when the run started and when it ended: other work on the machine skews every figure. */
  loadAverage: [number, number];
}

/** One bundle's size and import times. */
export interface BundleFigures {
  name: string;
  label: string;
  netlifyBytes: number;
  minifiedBytes: number;
  importNetlifyMs: number[];
  importMinifiedMs: number[];
}

/** One function as Netlify ships it: its zip, and the import of its entry and of Netlify's. */
export interface ArtifactFigures {
  name: string;
  zipBytes: number;
  files: string[];
  /** Whether the function talks to the database (its budget is larger: the driver). */
  database: boolean;
  /** `import()` of the function's own entry (which imports its bundle), in a fresh process. */
  importMs: number[];
  /** `import()` of Netlify's `___netlify-entry-point.mjs` (its bootstrap and telemetry). */
  importNetlifyMs: number[];
}

/** Latency under load on one route with the database `delayMs` away. */
export interface LatencyFigure {
  app: string;
  delayMs: number;
  route: LoadRoute;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

/** Sequential requests on one route with the database `delayMs` away: median and fastest time, app CPU per request. */
export interface SequentialFigure {
  app: string;
  delayMs: number;
  route: LoadRoute;
  medianMs: number;
  minMs: number;
  appCpuMs: number | undefined;
}

/** What one app costs besides time: the cookie a logged-in browser sends, the process's memory. */
export interface Footprint {
  id: string;
  cookieBytes: number;
  /** Peak RSS after warm-up and the first round's read and increment load, before any concurrent login. */
  peakRssMiB: number | undefined;
}

/** Everything the report shows. */
export interface BenchResults {
  info: RunInfo;
  apps: { id: string; label: string }[];
  /** The app the ratios compare with. */
  baseline: string;
  rounds: RoundResult[];
  footprint: Footprint[];
  bundles: BundleFigures[];
  artifact: ArtifactFigures[];
  latency: LatencyFigure[];
  sequential: SequentialFigure[];
  /** The database distances (reply delays, ms) of the latency runs. */
  distances: number[];
  coldStart: { id: string; label: string; ms: number[] }[];
  notes: string[];
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const number = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
const ratio = (value: number, base: number) => (Number.isFinite(value) && Number.isFinite(base) && base > 0 ? `${(value / base).toFixed(2)}×` : "n/a");
const kb = (bytes: number) => `${number(bytes / 1024)} KB`;
const mark = (met: boolean | undefined) => (met === undefined ? "n/a" : met ? "**met**" : "**NOT met**");

function roundsOf(results: BenchResults, app: string): RoundResult[] {
  return results.rounds.filter((round) => round.app === app);
}

/** The median commands per request of an app on a route, with the commands by name (medians too). */
export function commandsOf(results: BenchResults, app: string, route: CommandRoute): CommandFigure | undefined {
  const figures = roundsOf(results, app)
    .map((round) => round.commands[route])
    .filter((figure): figure is CommandFigure => figure !== undefined);
  if (figures.length === 0) return undefined;
  const names = [...new Set(figures.flatMap((figure) => Object.keys(figure.byName)))].sort();
  const byName = Object.fromEntries(names.map((name) => [name, median(figures.map((figure) => figure.byName[name] ?? 0))]));
  return { perRequest: median(figures.map((figure) => figure.perRequest)), byName };
}

function loadMedian(results: BenchResults, app: string, pick: (round: RoundResult) => number): number {
  return median(roundsOf(results, app).map(pick));
}

/** The median over rounds of a CPU figure of an app's load runs on a route (NaN when /proc was not there). */
function cpuMedian(results: BenchResults, app: string, route: LoadRoute, pick: (load: LoadResult) => number | undefined): number {
  const values = roundsOf(results, app)
    .map((round) => pick(round.load[route]))
    .filter((value): value is number => value !== undefined);
  return values.length === 0 ? Number.NaN : median(values);
}


/** Median requests/s of an app on a route. */
export function rpsOf(results: BenchResults, app: string, route: LoadRoute): number {
  return loadMedian(results, app, (round) => round.load[route].requestsPerSecond);
}

function commandCell(figure: CommandFigure | undefined): string {
  if (figure === undefined) return "n/a";
  const parts = Object.entries(figure.byName)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${number(count, count % 1 === 0 ? 0 : 2)}`);
  return `${number(figure.perRequest, figure.perRequest % 1 === 0 ? 0 : 2)}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function lostCell(results: BenchResults, app: string, n: number): string {
  const runs = roundsOf(results, app).flatMap((round) => round.lost.filter((lost) => lost.n === n));
  if (runs.length === 0) return "n/a";
  const failures = runs.reduce((sum, run) => sum + run.failures, 0);
  const stale = runs.filter((run) => run.seen !== run.after).map((run) => run.after - run.seen);
  return (
    `${number(median(runs.map((run) => run.lost)))} of ${n} (rounds: ${runs.map((run) => run.lost).join(", ")})` +
    (stale.length > 0 ? `; the browser's next read showed ${stale.join(", ")} fewer in ${stale.length} round(s) (its cached copy)` : "") +
    (failures > 0 ? ` ⚠ ${failures} non-200` : "")
  );
}

/** The worst (largest) number of lost updates an app had at size n over all rounds. */
function worstLost(results: BenchResults, app: string, n: number): number {
  return Math.max(...roundsOf(results, app).flatMap((round) => round.lost.filter((lost) => lost.n === n).map((lost) => lost.lost)));
}

const LOAD_ROUTES: readonly [LoadRoute, string][] = [
  ["session", "read session"],
  ["visits", "visits +1"],
  ["login", "log in"],
];

/** The report as markdown. */
export function renderReport(results: BenchResults): string {
  const { info, apps, baseline } = results;
  const label = (id: string) => apps.find((app) => app.id === id)?.label ?? id;
  const galleta = apps.filter((app) => app.id.startsWith("galleta"));
  const out: string[] = [];

  out.push(`# galleta benchmark, ${info.date}`);
  out.push("");
  out.push(
    `Machine: ${info.cpu}, ${info.cores} cores, ${number(info.memoryGiB)} GiB, ${info.os}; Node ${info.node}. Database: ${info.database}. ` +
      `Each app runs in its own process throughout; ${info.rounds} rounds, and in each round every measurement is taken app after app (${info.order}, the first app rotating from round to round); figures are medians over rounds, ratios against ${label(baseline)}. ` +
      `Load: autocannon, ${info.connections} connections, ${info.seconds} s per route and app in each round, after an unrecorded warm-up round (${info.warmupSeconds} s per run); reads and increments on one logged-in session, logins without one. ` +
      `Whole run: ${number(info.elapsedSeconds)} s; 1-minute load average ${number(info.loadAverage[0], 1)} at the start and ${number(info.loadAverage[1], 1)} at the end (${info.cores} cores: above that, other work competed with the benchmark and the timings are noisy; the command counts, lost updates and sizes are not affected).`,
  );

  out.push("", "## Database commands per request", "");
  out.push(
    `Counted by the stand-in (driver handshakes and monitoring excluded), ${info.commandRequests} sequential requests on one warmed-up session (${info.loginRequests} for logins), browser-like: each reply's cookies are kept.`,
    "",
  );
  const commandRoutes: [CommandRoute, string][] = [
    ["session", "read session"],
    ["visits", "visits +1"],
    ["loginFresh", "log in (no session)"],
    ["loginOverSession", "log in (over a live session)"],
  ];
  out.push(
    table(
      ["app", ...commandRoutes.map(([, name]) => name)],
      apps.map((app) => [app.label, ...commandRoutes.map(([route]) => commandCell(commandsOf(results, app.id, route)))]),
    ),
  );

  out.push("", "## Throughput and latency over loopback", "");
  const header = ["app"];
  for (const [, name] of LOAD_ROUTES) header.push(`${name} req/s`, `vs ${label(baseline)}`, "p50 / p99 ms");
  const rows = apps.map((app) => {
    const row = [app.label];
    for (const [route] of LOAD_ROUTES) {
      const rps = rpsOf(results, app.id, route);
      const failed = roundsOf(results, app.id).reduce((sum, round) => sum + round.load[route].failures, 0);
      row.push(
        `${number(rps)}${failed > 0 ? ` ⚠ ${failed} failed` : ""}`,
        ratio(rps, rpsOf(results, baseline, route)),
        `${number(loadMedian(results, app.id, (round) => round.load[route].p50Ms), 1)} / ${number(loadMedian(results, app.id, (round) => round.load[route].p99Ms), 1)}`,
      );
    }
    return row;
  });
  out.push(table(header, rows));
  out.push("", "Logging in is bounded by scrypt (the same parameters in every app), not by sessions.");

  out.push("", "### CPU per request under that load", "");
  out.push(
    "CPU time (user + system, all threads, from /proc) that the app's process, the database's process and the load generator spent per request during the runs above; it moves much less than requests/s with other work on the machine. Each app serves from one JavaScript thread, so under this load its requests/s is close to 1 / its app CPU per request: the app's own work per request decides, and a database command saved shows up in the database column (and in latency), not in requests/s, until the database is the bottleneck.",
    "",
  );
  const cpuHeader = ["app"];
  for (const [, name] of LOAD_ROUTES) {
    cpuHeader.push(`${name}: app ms`, `app vs ${label(baseline)}`, `${name}: database ms`, `${name}: load generator ms`);
  }
  out.push(
    table(
      cpuHeader,
      apps.map((app) => {
        const row = [app.label];
        for (const [route] of LOAD_ROUTES) {
          const appMs = (id: string) => cpuMedian(results, id, route, (load) => load.appCpuMs);
          row.push(
            number(appMs(app.id), 3),
            ratio(appMs(app.id), appMs(baseline)),
            number(cpuMedian(results, app.id, route, (load) => load.dbCpuMs), 3),
            number(cpuMedian(results, app.id, route, (load) => load.loadCpuMs), 3),
          );
        }
        return row;
      }),
    ),
  );

  const sizes = [...new Set(results.rounds.flatMap((round) => round.lost.map((lost) => lost.n)))].sort((a, b) => a - b);
  out.push("", "## Lost updates", "");
  out.push(
    "N increments of one logged-in session's visit counter sent at once; the session is then read with the cookies a browser would hold (the last reply to arrive wins). Lost = N − the stored gain (galleta's count read without its cache cookie; a cookie session's count is what the cookie holds). Median, and each round's.",
    "",
  );
  out.push(table(["app", ...sizes.map((n) => `N = ${n}`)], apps.map((app) => [app.label, ...sizes.map((n) => lostCell(results, app.id, n))])));

  out.push("", "## Footprint", "");
  out.push(
    table(
      ["app", "`Cookie` header of a logged-in browser", "peak RSS of the app process (before any concurrent login: scrypt takes 32 MiB each)"],
      apps.map((app) => {
        const figures = results.footprint.find((entry) => entry.id === app.id);
        const rss = figures?.peakRssMiB;
        return [app.label, figures === undefined ? "n/a" : `${number(figures.cookieBytes)} bytes`, rss === undefined ? "n/a" : `${number(rss)} MiB`];
      }),
    ),
  );

  out.push("", "## Latency at a database distance", "");
  out.push(
    `The stand-in delays each reply by 0, ${results.distances.join(" or ")} ms (0: the rounds above). Load as above (${info.connections} connections); p50 / p99 in ms, and the p50 against ${label(baseline)}'s. Round trips: the sequential database round trips of one request, (fastest of ${info.sequentialRequests} sequential requests at ${results.distances.at(-1)} ms − at 0 ms) / ${results.distances.at(-1)} ms. Sequential: the median of those requests at 0 and ${results.distances.at(-1)} ms (for logins, the figure the target uses: under load they queue behind each other's scrypt).`,
    "",
  );
  const latencyHeader = ["app"];
  for (const [, name] of LOAD_ROUTES) {
    latencyHeader.push(`${name}: round trips`, ...[0, ...results.distances].map((delay) => `${name} at ${delay} ms`), `${name}: sequential at 0 / ${results.distances.at(-1)} ms`);
  }
  out.push(
    table(
      latencyHeader,
      apps.map((app) => {
        const row = [app.label];
        for (const [route] of LOAD_ROUTES) {
          row.push(number(roundTripsOf(results, app.id, route), 1));
          for (const delay of [0, ...results.distances]) {
            const ours = latencyOf(results, app.id, route, delay);
            const theirs = latencyOf(results, baseline, route, delay);
            row.push(ours === undefined ? "n/a" : `${number(ours.p50Ms, 1)} / ${number(ours.p99Ms, 1)} (${ratio(ours.p50Ms, theirs?.p50Ms ?? Number.NaN)})${ours.failures > 0 ? ` ⚠ ${ours.failures} failed` : ""}`);
          }
          const far = results.distances.at(-1) ?? Number.NaN;
          row.push(`${number(sequentialOf(results, app.id, route, 0)?.medianMs ?? Number.NaN, 1)} / ${number(sequentialOf(results, app.id, route, far)?.medianMs ?? Number.NaN, 1)}`);
        }
        return row;
      }),
    ),
  );

  out.push("", "## What Netlify ships", "");
  out.push(
    `The zips \`netlify build --offline\` wrote (netlify/build.ts's bundle, its source map and entry, plus Netlify's own bootstrap and telemetry, about 340 KB zipped), unzipped as Lambda does. Import: \`import()\` in a fresh process, module evaluation only, median of ${info.coldRuns} runs: the function's entry (its bundle) and Netlify's entry point.`,
    "",
  );
  out.push(
    table(
      ["function", "zip", "files", "import of the function", "import of Netlify's entry point"],
      results.artifact.map((fn) => [
        fn.name,
        kb(fn.zipBytes),
        `${fn.files.length}: ${fn.files.join(", ")}`,
        `${number(median(fn.importMs), 1)} ms`,
        `${number(median(fn.importNetlifyMs), 1)} ms`,
      ]),
    ),
  );

  out.push("", "## Peers' bundles and import time", "");
  out.push(
    "Each bundle built as `netlify build` builds a v2 function (zip-it-and-ship-it's esbuild options: ESM, platform node, target node24, its CJS shim; Netlify does not minify), and minified. Import: `import()` of the bundle in a fresh process, module evaluation only, median of " +
      `${info.coldRuns} runs.`,
    "",
  );
  const baseBundle = results.bundles.find((bundle) => bundle.name === baseline);
  out.push(
    table(
      ["bundle", "as Netlify ships it", "minified", "import (Netlify build)", "import (minified)", `import vs ${label(baseline)}`],
      results.bundles.map((bundle) => [
        bundle.label,
        kb(bundle.netlifyBytes),
        kb(bundle.minifiedBytes),
        `${number(median(bundle.importNetlifyMs), 1)} ms`,
        `${number(median(bundle.importMinifiedMs), 1)} ms`,
        baseBundle === undefined ? "n/a" : ratio(median(bundle.importNetlifyMs), median(baseBundle.importNetlifyMs)),
      ]),
    ),
  );

  out.push("", "## Cold start", "");
  out.push(
    `From spawning a fresh \`node\` process to the end of its first response (\`GET /api/session\` with a logged-in cookie, so it includes connecting to the database), Netlify builds, median of ${info.coldRuns} runs, apps alternating. galleta runs in the \`node:http\` adapter, which loads the function's bundle on its first request, as Netlify does.`,
    "",
  );
  const baseCold = results.coldStart.find((cold) => cold.id === baseline);
  out.push(
    table(
      ["app", "median", "min – max", `vs ${label(baseline)}`],
      results.coldStart.map((cold) => [
        cold.label,
        `${number(median(cold.ms), 1)} ms`,
        `${number(Math.min(...cold.ms), 1)} – ${number(Math.max(...cold.ms), 1)} ms`,
        baseCold === undefined ? "n/a" : ratio(median(cold.ms), median(baseCold.ms)),
      ]),
    ),
  );

  out.push("", "## Targets (issues 6 and 11), galleta against " + label(baseline), "");
  out.push(table(["target", "measured", "status"], targets(results, galleta.map((app) => app.id))));

  if (results.notes.length > 0) {
    out.push("", "## Notes", "");
    for (const note of results.notes) out.push(`- ${note}`);
  }
  return `${out.join("\n")}\n`;
}

/**
 * The commands galleta's login spends on work the peer does not do: the login throttle's
 * (lib/accounts/login-throttle.ts: begin() counts the attempt for the username and the client, two
 * findAndModify; succeeded() takes it back, one update). Recount if the throttle changes.
 */
const THROTTLE_COMMANDS = 3;

function targets(results: BenchResults, galletaIds: readonly string[]): string[][] {
  const { baseline } = results;
  const label = (id: string) => results.apps.find((app) => app.id === id)?.label ?? id;
  const rows: string[][] = [];
  const sizes = [...new Set(results.rounds.flatMap((round) => round.lost.map((lost) => lost.n)))];
  for (const id of galletaIds) {
    const worst = sizes.map((n) => `${worstLost(results, id, n)} of ${n}`).join(", ");
    rows.push([`${label(id)}: 0 lost updates (worst round)`, worst, mark(sizes.every((n) => worstLost(results, id, n) === 0))]);
  }
  const plain = galletaIds[0];
  const cached = galletaIds[1];
  if (plain !== undefined) {
    const read = commandsOf(results, plain, "session");
    const visits = commandsOf(results, plain, "visits");
    rows.push([`${label(plain)}: ≤ 1 command to read a session`, commandCell(read), mark(read && read.perRequest <= 1)]);
    rows.push([`${label(plain)}: ≤ 1 command to increment the counter`, commandCell(visits), mark(visits && visits.perRequest <= 1)]);
    for (const [route, name] of [
      ["session", "read session"],
      ["visits", "visits +1"],
      ["loginFresh", "log in (no session)"],
      ["loginOverSession", "log in (over a session)"],
    ] as const) {
      const ours = commandsOf(results, plain, route);
      const theirs = commandsOf(results, baseline, route);
      const extra = route.startsWith("login") ? THROTTLE_COMMANDS : 0;
      const met = ours && theirs ? ours.perRequest - extra <= theirs.perRequest : undefined;
      const show = (figure: CommandFigure | undefined) => (figure === undefined ? "n/a" : number(figure.perRequest, figure.perRequest % 1 === 0 ? 0 : 2));
      rows.push([
        `${label(plain)}: commands ≤ ${label(baseline)}'s on ${name}${extra > 0 ? ` (less the login throttle's ${extra}, work the peer does not do)` : ""}`,
        `${show(ours)}${extra > 0 && ours ? ` (${number(ours.perRequest - extra)} without the throttle)` : ""} vs ${show(theirs)}`,
        mark(met),
      ]);
    }
  }
  if (cached !== undefined) {
    const read = commandsOf(results, cached, "session");
    rows.push([`${label(cached)}: 0 commands to read a session within the cache window`, commandCell(read), mark(read && read.perRequest === 0)]);
  }
  rows.push(...artifactTargets(results));
  if (plain !== undefined) rows.push(...distanceTargets(results, plain));
  return rows;
}

function latencyOf(results: BenchResults, app: string, route: LoadRoute, delayMs: number): { p50Ms: number; p99Ms: number; failures: number } | undefined {
  if (delayMs === 0) {
    const rounds = roundsOf(results, app);
    if (rounds.length === 0) return undefined;
    return {
      p50Ms: median(rounds.map((round) => round.load[route].p50Ms)),
      p99Ms: median(rounds.map((round) => round.load[route].p99Ms)),
      failures: rounds.reduce((sum, round) => sum + round.load[route].failures, 0),
    };
  }
  return results.latency.find((figure) => figure.app === app && figure.route === route && figure.delayMs === delayMs);
}

/** Sequential database round trips of one request on a route, from the delay's effect on sequential requests. */
export function roundTripsOf(results: BenchResults, app: string, route: LoadRoute): number {
  const far = results.distances.at(-1) ?? Number.NaN;
  const at = (delayMs: number) => sequentialOf(results, app, route, delayMs)?.minMs;
  const near = at(0);
  const farMs = at(far);
  return near === undefined || farMs === undefined ? Number.NaN : (farMs - near) / far;
}

/** Issue 11's budgets for what Netlify ships; the import figures of the nft zips it replaced (199 ms, 93 ms) were taken on this machine before the change. */
function artifactTargets(results: BenchResults): string[][] {
  const rows: string[][] = [];
  for (const fn of results.artifact) {
    const budget = fn.database ? 650 : 400;
    rows.push([`${fn.name}.zip ≤ ${budget} KB (${fn.database ? "database function; 924 KB before" : "no database"})`, kb(fn.zipBytes), mark(fn.zipBytes <= budget * 1024)]);
    const limit = fn.database ? 140 : 30;
    const importMs = median(fn.importMs);
    rows.push([
      `${fn.name}: import of the function ≤ ${limit} ms (${fn.database ? "70 % of the 199 ms of the nft zip" : "a function without the database"})`,
      `${number(importMs, 1)} ms`,
      mark(Number.isFinite(importMs) ? importMs <= limit : undefined),
    ]);
  }
  const cold = (id: string) => median(results.coldStart.find((entry) => entry.id === id)?.ms ?? []);
  const share = cold("galleta") / cold(results.baseline);
  rows.push([
    "time to first response on a cold instance ≤ 0.6× the peer's",
    `${number(cold("galleta"), 1)} vs ${number(cold(results.baseline), 1)} ms (${ratio(cold("galleta"), cold(results.baseline))})`,
    mark(Number.isFinite(share) ? share <= 0.6 : undefined),
  ]);
  return rows;
}

/** Issue 11's targets at the largest database distance, and CPU per uncached read and per log-in. */
function distanceTargets(results: BenchResults, app: string): string[][] {
  const { baseline } = results;
  const far = results.distances.at(-1) ?? Number.NaN;
  const rows: string[][] = [];
  for (const [route, name, limit] of [
    ["visits", "POST /api/visits", 0.6],
    ["login", "log-in (sequential)", 1],
    ["session", "GET /api/session", 1],
  ] as const) {
    const p50 = (id: string) =>
      (route === "login" ? sequentialOf(results, id, route, far)?.medianMs : latencyOf(results, id, route, far)?.p50Ms) ?? Number.NaN;
    const ours = p50(app);
    const theirs = p50(baseline);
    const share = ours / theirs;
    rows.push([
      `at ${far} ms per database reply: ${name} p50 ≤ ${limit.toFixed(1)}× the peer's`,
      `${number(ours, 1)} vs ${number(theirs, 1)} ms (${ratio(ours, theirs)})`,
      mark(Number.isFinite(share) ? share <= limit : undefined),
    ]);
  }
  const trips = roundTripsOf(results, app, "login");
  rows.push(["log-in: ≤ 3 sequential database round trips", number(trips, 1), mark(Number.isFinite(trips) ? Math.round(trips) <= 3 : undefined)]);
  const appCpu = (id: string, route: LoadRoute) => cpuMedian(results, id, route, (load) => load.appCpuMs);
  const share = appCpu(app, "session") / appCpu(baseline, "session");
  rows.push([
    "uncached GET /api/session: app CPU per request ≤ 0.8× the peer's",
    `${number(appCpu(app, "session"), 3)} vs ${number(appCpu(baseline, "session"), 3)} ms (${ratio(appCpu(app, "session"), appCpu(baseline, "session"))})`,
    mark(Number.isFinite(share) ? share <= 0.8 : undefined),
  ]);
  const loginCpu = (id: string) => sequentialOf(results, id, "login", 0)?.appCpuMs ?? Number.NaN;
  rows.push([
    "log-in: app CPU per request, sequential (scrypt; reported, no target)",
    `${number(loginCpu(app), 1)} vs ${number(loginCpu(baseline), 1)} ms`,
    "—",
  ]);
  return rows;
}

function sequentialOf(results: BenchResults, app: string, route: LoadRoute, delayMs: number): SequentialFigure | undefined {
  return results.sequential.find((figure) => figure.app === app && figure.route === route && figure.delayMs === delayMs);
}
