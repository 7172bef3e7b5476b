import type { Catalog } from "./catalog.ts";
import type { Collection } from "./collection.ts";
import type { CommandCounter } from "./counter.ts";
import type { Cursors } from "./cursors.ts";
import { bsonKey, isDocument, type Doc } from "./documents.ts";
import { CommandError } from "./errors.ts";
import type { IndexSpec } from "./indexes.ts";
import type { TtlMonitor } from "./ttl-monitor.ts";

/** One client connection as the server knows it, for hello, serverStatus and $currentOp. */
export interface ClientConnection {
  /** mongod's connection number: the nth connection accepted since start. */
  readonly id: number;
  /** The peer's `address:port`. */
  readonly client: string;
  /** The `client` document of the connection's first hello (driver, os, application.name), if it sent one. */
  metadata: Doc | undefined;
}

/** What a command handler may touch: the server's state and the database the command names. */
export interface Context {
  readonly catalog: Catalog;
  readonly cursors: Cursors;
  readonly counter: CommandCounter;
  readonly ttl: TtlMonitor;
  /** The connection the command came in on. */
  readonly connection: ClientConnection;
  /** `host:port` the stand-in listens on, as serverStatus reports it. */
  readonly host: string;
  /** Client connections open now and the number accepted since start, as mongod counts them. */
  readonly connections: () => { open: readonly ClientConnection[]; totalCreated: number };
  readonly db: string;
}

// Fields any command may carry (mongod's generic arguments). On a standalone without transactions
// they change nothing: sessions (lsid), retryable-write numbers, read/write concerns, API versioning, time limits.
export const GENERIC_FIELDS = words(
  "$db lsid txnNumber $clusterTime $readPreference readConcern writeConcern comment maxTimeMS apiVersion apiStrict apiDeprecationErrors $client $audit",
);

/**
 * A command the stand-in serves. `accepts` lists the options it implements ("*": any); `refuses`
 * those mongod knows and the stand-in lacks (code 59, never ignored); any other option is unknown
 * to mongod too, and answered as mongod's parser does (code 40415).
 */
export interface CommandSpec {
  readonly accepts: ReadonlySet<string>;
  readonly refuses: ReadonlySet<string>;
  readonly adminOnly: boolean;
  readonly run: (command: Doc, context: Context) => Doc;
}

/** Declares a command with its space-separated implemented options and, in `refuses`, mongod's others. */
export function command(accepts: string, run: CommandSpec["run"], options: { refuses?: string; adminOnly?: boolean } = {}): CommandSpec {
  return { accepts: words(accepts), refuses: words(options.refuses ?? ""), adminOnly: options.adminOnly ?? false, run };
}

/** A set of space-separated names. */
export function words(list: string): ReadonlySet<string> {
  return new Set(list.split(" ").filter(Boolean));
}

/** The collection a command names in its first field, validated as mongod does. */
export function collectionName(cmd: Doc, field: string): string {
  const name = cmd[field];
  if (typeof name !== "string" || name === "" || name.includes("$") || name.includes("\0")) {
    throw new CommandError(73, `Invalid collection name: ${JSON.stringify(name)}`);
  }
  return name;
}

/** An optional sub-document option. */
export function optionalDocument(cmd: Doc, field: string): Doc | undefined {
  const value = cmd[field];
  if (value === undefined || value === null || isDocument(value)) return value ?? undefined;
  throw new CommandError(14, `'${field}' must be of type object`);
}

/** An optional numeric option. */
export function optionalNumber(cmd: Doc, field: string): number | undefined {
  const value = cmd[field];
  if (value === undefined || value === null || typeof value === "number") return value ?? undefined;
  throw new CommandError(14, `'${field}' must be a number`);
}

/** A required array of documents (insert's documents, update's updates…). */
export function documentArray(cmd: Doc, field: string): Doc[] {
  const value = cmd[field];
  if (!Array.isArray(value) || !value.every(isDocument)) throw new CommandError(14, `'${field}' must be an array of objects`);
  return value;
}

/**
 * The documents worth testing against a filter (the caller applies the whole filter to them): the
 * _id index answers when the filter pins `_id` to one value or an `$in` list, whatever else it
 * says; otherwise every document.
 */
export function scan(collection: Collection | undefined, filter: Doc, hint?: unknown): Doc[] {
  if (collection === undefined) return [];
  checkHint(collection, hint);
  const ids = pinnedIds(filter._id);
  if (ids === undefined) return collection.documents();
  // A Set of the stored documents themselves, so an id listed twice yields its document once.
  return [...new Set(ids.map((id) => collection.byId(id)).filter((doc): doc is Doc => doc !== undefined))];
}

/**
 * The stand-in has no query planner, so a hint changes nothing, but mongod refuses one that names
 * no index of the collection (`{ $natural: 1 }` names the collection scan itself).
 */
export function checkHint(collection: Collection | undefined, hint: unknown): void {
  if (hint === undefined || collection === undefined) return;
  if (isDocument(hint) && ("$natural" in hint || Object.keys(hint).length === 0)) return;
  const named = (spec: IndexSpec): boolean =>
    typeof hint === "string" ? spec.name === hint : isDocument(hint) && bsonKey(spec.key) === bsonKey(hint);
  if (!collection.indexes().some(named)) {
    throw new CommandError(2, "planner returned error :: caused by :: hint provided does not correspond to an existing index");
  }
}

function pinnedIds(id: unknown): unknown[] | undefined {
  if (id === undefined || id instanceof RegExp) return undefined;
  if (!isDocument(id)) return [id];
  const operators = Object.keys(id);
  const list = id.$in;
  if (operators.length === 1 && Array.isArray(list) && !list.some((each) => each instanceof RegExp || isDocument(each))) {
    return list;
  }
  return undefined;
}
