import type { Catalog } from "./catalog.ts";
import type { Collection } from "./collection.ts";
import type { CommandCounter } from "./counter.ts";
import type { Cursors } from "./cursors.ts";
import { isDocument, type Doc } from "./documents.ts";
import { CommandError } from "./errors.ts";
import type { TtlMonitor } from "./ttl-monitor.ts";

/** What a command handler may touch: the server's state and the database the command names. */
export interface Context {
  readonly catalog: Catalog;
  readonly cursors: Cursors;
  readonly counter: CommandCounter;
  readonly ttl: TtlMonitor;
  readonly connectionId: number;
  readonly db: string;
}

/** A command the stand-in serves. `accepts` lists its options ("*": any); any other option is refused, never ignored. */
export interface CommandSpec {
  readonly accepts: ReadonlySet<string>;
  readonly adminOnly: boolean;
  readonly run: (command: Doc, context: Context) => Doc;
}

/** Declares a command with its space-separated accepted options. */
export function command(accepts: string, run: CommandSpec["run"], adminOnly = false): CommandSpec {
  return { accepts: new Set(accepts.split(" ").filter(Boolean)), adminOnly, run };
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

/** The documents worth testing against a filter: one _id lookup when the filter is `{ _id: value }`, else all. */
export function scan(collection: Collection | undefined, filter: Doc): Doc[] {
  if (collection === undefined) return [];
  const id = filter._id;
  const plainId = Object.keys(filter).length === 1 && id !== undefined && !(id instanceof RegExp) && !isDocument(id);
  if (!plainId) return collection.documents();
  const doc = collection.byId(id);
  return doc === undefined ? [] : [doc];
}
