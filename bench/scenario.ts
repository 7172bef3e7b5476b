// The measurements on one running app: database commands per request, throughput and latency per
// route, and lost updates. Each app runs in a process of its own for the whole benchmark; run.ts
// alternates between them, so a burst of other work on the machine hits every app alike.
import { readFile } from "node:fs/promises";
import { Cookies, ROUTE_REQUESTS, expectOk, requestHeaders, send, visitsOf, type Route } from "./client.ts";
import { runLoad, type LoadResult } from "./load.ts";
import { cpuSeconds, spawnNode, type Child } from "./processes.ts";

/** An app under test. */
export interface AppSpec {
  id: string;
  label: string;
  /** The module `bench/launch.mjs` starts (it exports `start()`). */
  module: string;
  env: Record<string, string>;
  /** Cookies that only cache the session (galleta's `<name>.cache`): left out to read what is stored. */
  cacheCookie?: (name: string) => boolean;
}

/** An app's process, listening. */
export interface RunningApp {
  spec: AppSpec;
  origin: string;
  child: Child<{ listening: number }>;
}

/** Reads and resets the database's command counters; absent when the database cannot count (a real MongoDB). */
export interface CommandCounter {
  reset(): Promise<void>;
  counts(): Promise<Record<string, number>>;
}

/** Database commands per request on one route: the total and the commands by name. */
export interface CommandFigure {
  perRequest: number;
  byName: Record<string, number>;
}

/** The routes measured under load (a login there arrives without a session). */
export type LoadRoute = Exclude<Route, "register">;
/** Commands are also counted for a login that arrives with a live session (the browser's case after a first login). */
export type CommandRoute = "loginFresh" | "loginOverSession" | "session" | "visits";

/** N concurrent increments on one session: what the database kept, and what the browser then saw. */
export interface LostUpdates {
  n: number;
  before: number;
  /** The count stored (read without any cached copy of the session). */
  after: number;
  /** The count the browser's next read showed (with every cookie it kept, cached copies included). */
  seen: number;
  lost: number;
  failures: number;
}

/** Everything one round measured for one app. */
export interface RoundResult {
  app: string;
  commands: Partial<Record<CommandRoute, CommandFigure>>;
  load: Record<LoadRoute, LoadResult>;
  lost: LostUpdates[];
}

/** How much work a round does (all configurable through the environment by run.ts). */
export interface RoundOptions {
  seconds: number;
  connections: number;
  commandRequests: number;
  loginRequests: number;
  lostUpdateSizes: readonly number[];
  /**
   * Users to log in as. Sequential logins use the first; the login load takes them in turn, so no
   * user has more than one login in flight: galleta's throttle counts an attempt before checking the
   * password and answers 429 past 5 in flight for one username (see the report's notes).
   */
  users: readonly { username: string; password: string }[];
  /** The database's process, when it runs here (the stand-in), to count its CPU time per request. */
  dbPid?: number;
}

const loginBody = (options: RoundOptions) => options.users[0];

/** Starts `app` in a process of its own. */
export async function startApp(app: AppSpec, env: NodeJS.ProcessEnv): Promise<RunningApp> {
  const child = await spawnNode<{ listening: number }>(["bench/launch.mjs", app.module], { ...env, ...app.env });
  return { spec: app, origin: `http://127.0.0.1:${child.first.listening}`, child };
}

/** Connections and indexes: a few requests one by one (run.ts then runs an unrecorded round for the JIT). */
export async function warmUp(app: RunningApp, options: RoundOptions): Promise<void> {
  const jar = new Cookies();
  await expectOk(app.origin, "login", jar, loginBody(options));
  for (let i = 0; i < 10; i++) {
    await expectOk(app.origin, "session", jar);
    await expectOk(app.origin, "visits", jar);
  }
}

async function countCommands(counter: CommandCounter, requests: number, one: () => Promise<unknown>): Promise<CommandFigure> {
  await one();
  await counter.reset();
  for (let i = 0; i < requests; i++) await one();
  const byName = await counter.counts();
  const total = Object.values(byName).reduce((sum, count) => sum + count, 0);
  const perName = Object.fromEntries(Object.entries(byName).map(([name, count]) => [name, count / requests]));
  return { perRequest: total / requests, byName: perName };
}

/** Commands per request on each route, sequentially on one session whose cookies follow every reply, as a browser's do. */
export async function measureCommands(
  app: RunningApp,
  counter: CommandCounter,
  options: RoundOptions,
): Promise<Partial<Record<CommandRoute, CommandFigure>>> {
  const { origin } = app;
  const jar = new Cookies();
  await expectOk(origin, "login", jar, loginBody(options));
  return {
    session: await countCommands(counter, options.commandRequests, () => expectOk(origin, "session", jar)),
    visits: await countCommands(counter, options.commandRequests, () => expectOk(origin, "visits", jar)),
    // Each login replaces the session, and the jar follows it.
    loginOverSession: await countCommands(counter, options.loginRequests, () => expectOk(origin, "login", jar, loginBody(options))),
    loginFresh: await countCommands(counter, options.loginRequests, () => expectOk(origin, "login", new Cookies(), loginBody(options))),
  };
}

/** autocannon on one route: reads and increments on one logged-in session, logins without a session. */
export async function measureLoad(app: RunningApp, route: LoadRoute, options: RoundOptions): Promise<LoadResult> {
  const { method, path } = ROUTE_REQUESTS[route];
  let cookie: string | undefined;
  if (route !== "login") {
    // A fresh login and one read right before the run, so a cache cookie is inside its window.
    const jar = new Cookies();
    await expectOk(app.origin, "login", jar, loginBody(options));
    await expectOk(app.origin, "session", jar);
    cookie = jar.header();
  }
  let turn = 0;
  const nextBody = () => JSON.stringify(options.users[turn++ % options.users.length]);
  const cpu = () => Promise.all([cpuSeconds(app.child.process.pid), cpuSeconds(options.dbPid), cpuSeconds(process.pid)]);
  const [appBefore, dbBefore, loadBefore] = await cpu();
  const result = await runLoad({
    url: `${app.origin}${path}`,
    method,
    headers: requestHeaders(app.origin, method, cookie, route === "login"),
    ...(route === "login" ? { nextBody } : {}),
    connections: options.connections,
    seconds: options.seconds,
  });
  const [appAfter, dbAfter, loadAfter] = await cpu();
  const perRequest = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined || result.requests === 0 ? undefined : ((after - before) * 1000) / result.requests;
  const appCpuMs = perRequest(appBefore, appAfter);
  const dbCpuMs = perRequest(dbBefore, dbAfter);
  const loadCpuMs = perRequest(loadBefore, loadAfter);
  return {
    ...result,
    ...(appCpuMs === undefined ? {} : { appCpuMs }),
    ...(dbCpuMs === undefined ? {} : { dbCpuMs }),
    ...(loadCpuMs === undefined ? {} : { loadCpuMs }),
  };
}

/**
 * N increments of one session's counter sent at once, as from N tabs, then a read with the cookies
 * a browser would keep (the last reply to arrive wins): lost = N − (stored after − before).
 */
export async function measureLostUpdates(app: RunningApp, n: number, options: RoundOptions): Promise<LostUpdates> {
  const { origin } = app;
  const jar = new Cookies();
  await expectOk(origin, "login", jar, loginBody(options));
  await expectOk(origin, "visits", jar);
  const before = visitsOf(await expectOk(origin, "session", jar));
  const sent = jar.clone();
  let failures = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const reply = await send(origin, "visits", sent, undefined, false);
      if (reply.status !== 200) failures++;
      jar.update(reply.setCookies);
    }),
  );
  const stored = app.spec.cacheCookie === undefined ? jar : jar.without(app.spec.cacheCookie);
  const after = visitsOf(await send(origin, "session", stored, undefined, false));
  const seen = visitsOf(await send(origin, "session", jar, undefined, false));
  return { n, before, after, seen, lost: n - (after - before), failures };
}

/** A logged-in browser's `Cookie` header, after a login and one read. */
export async function loggedInCookie(app: RunningApp, options: RoundOptions): Promise<string> {
  const jar = new Cookies();
  await expectOk(app.origin, "login", jar, loginBody(options));
  await expectOk(app.origin, "session", jar);
  return jar.header() ?? "";
}

/** A process's peak resident memory so far in MiB (Linux VmHWM), or undefined elsewhere. */
export async function peakRssMiB(app: RunningApp): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${app.child.process.pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** `n` requests sent one after another on a route: their median and fastest times, and the app's CPU per request. */
export interface SequentialRun {
  medianMs: number;
  minMs: number;
  appCpuMs: number | undefined;
}

/**
 * `n` requests sent one after another on `route` (a logged-in session's reads and increments,
 * logins without a session). Against a database that delays each reply by D ms, the difference
 * with no delay, divided by D, counts the route's sequential database round trips; the fastest
 * request is the one other work on the machine delayed least.
 */
export async function sequentialRun(app: RunningApp, route: LoadRoute, options: RoundOptions, n: number): Promise<SequentialRun> {
  const jar = new Cookies();
  await expectOk(app.origin, "login", jar, loginBody(options));
  const times: number[] = [];
  const cpuBefore = await cpuSeconds(app.child.process.pid);
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    if (route === "login") await expectOk(app.origin, "login", new Cookies(), options.users[1 + (i % (options.users.length - 1))]);
    else await expectOk(app.origin, route, jar);
    times.push(performance.now() - started);
  }
  const cpuAfter = await cpuSeconds(app.child.process.pid);
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)] ?? Number.NaN,
    minMs: times[0] ?? Number.NaN,
    appCpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1000) / n,
  };
}
