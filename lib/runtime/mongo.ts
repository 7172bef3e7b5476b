import {
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Db,
  type IndexDescription,
  type MongoClientOptions,
} from "mongodb";
import { isMainThread } from "node:worker_threads";
import type { GalletaConfig } from "./config.ts";
import { afterResponse } from "../http/after-response.ts";
import { ConfigurationError, StoreUnavailableError } from "../http/errors.ts";

/**
 * Pool and timeout settings for a serverless instance: few connections each (instances multiply
 * them against the Atlas tier's limit), and an unreachable or stalled database fails within
 * seconds, not at Netlify's function timeout. The driver (7.x) ignores `timeoutMS` (it warns that
 * it "has no effect"), so a reply that never comes is bounded by `socketTimeoutMS`, which the
 * driver arms only while it waits for a reply; a read that times out is retried once, so two of
 * them stay under the 5 s in which issue #6 wants a 503. These are defaults: an option that
 * MONGODB_URI sets itself wins.
 */
export const CLIENT_OPTIONS = Object.freeze({
  maxPoolSize: 5,
  minPoolSize: 0,
  serverSelectionTimeoutMS: 3000,
  connectTimeoutMS: 3000,
  socketTimeoutMS: 2000,
  appName: "galleta",
});

/**
 * `options` less those the connection string sets itself, so that MONGODB_URI's own settings win
 * (`?maxPoolSize=2`, as Scaling in the README advises past a tier's connection limit): the driver
 * lets an options object override the string, so passing CLIENT_OPTIONS whole would silently
 * replace them. Option names are case-insensitive, in the string as in the driver.
 */
function defaultsUnsetIn(uri: string, options: MongoClientOptions): MongoClientOptions {
  const query = uri.indexOf("?");
  const named = new Set([...new URLSearchParams(query < 0 ? "" : uri.slice(query + 1)).keys()].map((name) => name.toLowerCase()));
  return Object.fromEntries(Object.entries(options).filter(([name]) => !named.has(name.toLowerCase())));
}

/**
 * Whether this is one of the worker threads netlify dev starts for every invocation of a v2 function
 * (netlify-cli 27, `runtimes/js/index.js`: a `new Worker` per call that imports the function afresh
 * and is never terminated; it ends only when nothing keeps its event loop alive). An open client's
 * sockets and monitor would keep it alive for good, a thread, ~37 MB and a connection pool per
 * request, so there the client is closed once the response is ready and the worker can exit.
 * Production and every other host reuse one client per warm instance, as below.
 */
const ONE_INVOCATION_WORKER = process.env.NETLIFY_DEV === "true" && !isMainThread;

/**
 * A client for one of those workers. 100 concurrent requests start 100 workers that import the
 * driver at once, and on 2 cores each waits seconds for the CPU: CLIENT_OPTIONS' 3 s would time out
 * server selection for a database that is merely not asked yet (we saw 503s). So the budgets are long, and
 * a database that is really gone (connection refused or reset) still fails at once: the first failed
 * heartbeat closes the client, which fails the waiting operations with MongoTopologyClosedError.
 */
function oneInvocationClient(uri: string): MongoClient {
  const client = new MongoClient(uri, defaultsUnsetIn(uri, { ...CLIENT_OPTIONS, serverSelectionTimeoutMS: 20_000, connectTimeoutMS: 20_000, socketTimeoutMS: 20_000 }));
  client.once("serverHeartbeatFailed", () => {
    client.close().catch(() => undefined);
  });
  return client;
}

let shared: { uri: string; client: MongoClient; databases: Map<string, Db> } | undefined;

/**
 * The database named by the configuration, on one MongoClient per warm function instance: created
 * on first use at module scope and reused across invocations (the driver connects lazily). The
 * same Db object comes back until the client changes, so callers can tell when to rebuild.
 */
export function getDatabase(config: GalletaConfig): Db {
  const uri = config.mongodbUri;
  if (uri === undefined) {
    throw new ConfigurationError("MONGODB_URI is not set. Run `npm run dev`, which starts a local stand-in, or set it to your MongoDB Atlas connection string.");
  }
  if (shared?.uri !== uri) {
    shared = { uri, client: ONE_INVOCATION_WORKER ? oneInvocationClient(uri) : new MongoClient(uri, defaultsUnsetIn(uri, CLIENT_OPTIONS)), databases: new Map() };
    if (ONE_INVOCATION_WORKER) afterResponse(closeDatabase, { last: true });
  }
  let db = shared.databases.get(config.mongodbDb);
  if (db === undefined) {
    db = shared.client.db(config.mongodbDb);
    shared.databases.set(config.mongodbDb, db);
  }
  return db;
}

/** Closes the shared client, if any (tests and the benchmark adapter call this on shutdown). */
export async function closeDatabase(): Promise<void> {
  const current = shared;
  shared = undefined;
  await current?.client.close();
}

/** Whether a driver error means the database could not be reached or answered too late. */
export function isUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoServerClosedError
  );
}

/** Runs a database operation, turning "cannot reach the database" into StoreUnavailableError. */
export async function storeCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw isUnavailable(error) ? new StoreUnavailableError(error) : error;
  }
}

/**
 * Creates a collection's indexes on first use, once per instance (`createIndexes` is idempotent, so
 * instances racing each other are harmless); a failed attempt is forgotten, so the next call tries
 * again instead of failing for good.
 */
export function indexesOnce(collection: { createIndexes(indexes: IndexDescription[]): Promise<string[]> }, indexes: IndexDescription[]): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () => {
    created ??= storeCall(async () => {
      await collection.createIndexes(indexes);
    }).catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    return created;
  };
}
