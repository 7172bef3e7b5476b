import { Worker } from "node:worker_threads";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import visits from "../../../functions/visits.ts";
import { CONFIG_ENV } from "../../../lib/runtime/config.ts";
import { startMongoStandin } from "../../../netlify/mongo-standin/server.ts";
import { CLIENT_OPTIONS, closeDatabase, getDatabase } from "../../../lib/runtime/mongo.ts";
import { services } from "../../../lib/services.ts";
import { useFunctionEnv } from "../../support/function-env.ts";
import { TestBrowser } from "../../support/requests.ts";

const api = useFunctionEnv({ NETLIFY_DEV: "true" });
let observer: MongoClient;
// The functions on this thread name their client by MONGODB_URI's appName, so that the server can
// tell its connections from the workers' and from those of any other client of the same server.
const MAIN_THREAD_APP = "galleta-test-main-thread";

beforeAll(async () => {
  process.env.MONGODB_URI = withAppName(api.mongo.uri, MAIN_THREAD_APP);
  observer = new MongoClient(api.mongo.uri, { maxPoolSize: 1 });
  await observer.connect();
});

afterAll(async () => {
  await observer?.close();
});

/** `uri` with `?appName=` set, which the driver sends in each connection's handshake and wins over galleta's default. */
function withAppName(uri: string, appName: string): string {
  const query = uri.indexOf("?");
  const base = query < 0 ? uri : uri.slice(0, query);
  const params = new URLSearchParams(query < 0 ? "" : uri.slice(query + 1));
  params.set("appName", appName);
  // A URI with no path needs the slash before its options ("mongodb://host:27017/?appName=").
  return `${base}${/^[a-z+]+:\/\/[^/]*$/.test(base) ? "/" : ""}?${params}`;
}

/**
 * The server's open connections from clients named `appName` ($currentOp with idle connections):
 * only what the test itself opened, never a connection of an earlier test that is still closing.
 */
async function openConnections(appName: string): Promise<number> {
  const ops = await observer.db("admin").aggregate([{ $currentOp: { idleConnections: true } }, { $match: { appName } }]).toArray();
  return ops.length;
}

let workers = 0;
const FUNCTION = new URL("../../../functions/visits.ts", import.meta.url).href;

/**
 * Does what netlify dev does for each invocation of a v2 function: a new worker thread imports the
 * function and calls it once. Resolves with the answer and a promise of the worker's exit.
 */
async function invokeInWorker(
  env: Record<string, string>,
  uri = api.mongo.uri,
  cookie = "",
): Promise<{ status: number; body: unknown; cookie: string; appName: string; log: () => string; worker: Worker; exited: Promise<number> }> {
  workers += 1;
  const appName = `galleta-test-worker-${workers}`;
  const ours = new Set<string>([...CONFIG_ENV, "NETLIFY_DEV"]);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !ours.has(name)));
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     import(workerData.url)
       .then((module) => module.default(new Request("http://localhost:8888/api/visits", { method: "POST", headers: { cookie: workerData.cookie, origin: "http://localhost:8888" } }), { ip: "127.0.0.1", params: {} }))
       .then(async (response) => parentPort.postMessage({ status: response.status, body: await response.json(), cookie: response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ") }));`,
    { eval: true, stderr: true, workerData: { url: FUNCTION, cookie }, env: { ...clean, MONGODB_URI: withAppName(uri, appName), MONGODB_DB: api.mongo.dbName, ...env } },
  );
  let log = "";
  worker.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    log += chunk;
  });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const answer = await new Promise<{ status: number; body: unknown; cookie: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return { ...answer, appName, log: () => log, worker, exited };
}

// Each worker imports the function, lib/ and the driver afresh (about 0.35 CPU-seconds here), so on a
// shared 2-core machine a test of one or two workers takes far more than vitest's default 5 s.
describe("the MongoDB client in netlify dev's one-invocation worker threads", { timeout: 30_000 }, () => {
  it("is closed once the response is ready, so the worker exits and none of its connections stays open", async () => {
    const { status, appName, exited } = await invokeInWorker({ NETLIFY_DEV: "true", NODE_ENV: "development" });
    expect(status).toBe(200);
    expect(await exited).toBe(0);
    await expect.poll(() => openConnections(appName), { timeout: 5000 }).toBe(0);
  });

  it("answers 503 store_unavailable at once when the database refuses connections, without waiting out the long budget", async () => {
    const gone = await startMongoStandin({ port: 0 });
    await gone.close();
    const { status, log, exited } = await invokeInWorker({ NETLIFY_DEV: "true", NODE_ENV: "development" }, gone.uri);
    expect(status).toBe(503);
    expect(await exited).toBe(0);
    // Told by what failed, not by the clock: the first failed heartbeat closed the client, failing the
    // waiting operation at once; waiting out the budget ends in a server selection timeout instead.
    expect(log()).toContain("store_unavailable: MongoTopologyClosedError");
  });

  it("signs with one development secret across workers when SESSION_SECRETS is not set, so the next request's cookie still counts", async () => {
    const first = await invokeInWorker({ NETLIFY_DEV: "true" });
    expect(first.body).toMatchObject({ visits: 1 });
    const second = await invokeInWorker({ NETLIFY_DEV: "true" }, api.mongo.uri, first.cookie);
    expect(second.body).toMatchObject({ visits: 2 });
    await Promise.all([first.exited, second.exited]);
  });

  it("stays open in a worker thread outside netlify dev, as on any long-lived host", async () => {
    const { status, appName, worker, exited } = await invokeInWorker({ NODE_ENV: "development" });
    try {
      expect(status).toBe(200);
      // The open client keeps the worker and its connections, which is what a warm instance wants.
      expect(await openConnections(appName)).toBeGreaterThan(0);
      expect(await Promise.race([exited.then(() => "exited"), new Promise((resolve) => setTimeout(resolve, 500, "running"))])).toBe("running");
      expect(await openConnections(appName)).toBeGreaterThan(0);
    } finally {
      await worker.terminate();
    }
  });
});

describe("the MongoDB client on the main thread (production, the function server, the tests)", () => {
  it("is one client per instance, kept across invocations even with NETLIFY_DEV=true", async () => {
    const browser = new TestBrowser();
    expect((await browser.send(visits, "/api/visits", { method: "POST" })).status).toBe(200);
    const db = getDatabase(services().config);
    const open = await openConnections(MAIN_THREAD_APP);
    expect(open).toBeGreaterThan(0);
    for (let visit = 2; visit <= 5; visit += 1) {
      expect(await (await browser.send(visits, "/api/visits", { method: "POST" })).json()).toMatchObject({ visits: visit });
    }
    expect(getDatabase(services().config)).toBe(db);
    expect(await openConnections(MAIN_THREAD_APP)).toBe(open);
  });

  it("takes the options MONGODB_URI sets itself over galleta's defaults, in any letter case, and keeps the defaults it does not set", async () => {
    // The client connects on first use, so an address nothing listens on will do: only its options are read.
    const config = { ...services().config, mongodbUri: "mongodb://127.0.0.1:9/?directConnection=true&MaxPoolSize=2&socketTimeoutMS=1234" };
    await closeDatabase();
    try {
      expect(getDatabase(config).client.options).toMatchObject({
        maxPoolSize: 2,
        socketTimeoutMS: 1234,
        serverSelectionTimeoutMS: CLIENT_OPTIONS.serverSelectionTimeoutMS,
        connectTimeoutMS: CLIENT_OPTIONS.connectTimeoutMS,
        appName: CLIENT_OPTIONS.appName,
      });
    } finally {
      await closeDatabase();
    }
  });
});
