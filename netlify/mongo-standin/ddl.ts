import { bsonKey, isDocument } from "./documents.ts";
import { CommandError } from "./errors.ts";
import { collectionName, command, optionalDocument, type CommandSpec, type Context } from "./handler.ts";
import { ID_INDEX, parseIndexSpec } from "./indexes.ts";
import { select } from "./query.ts";
import type { Collection } from "./collection.ts";

function existing(context: Context, name: string): Collection {
  const collection = context.catalog.get(context.db, name);
  if (collection === undefined) throw new CommandError(26, `ns does not exist: ${context.db}.${name}`);
  return collection;
}

/** Databases, collections and indexes: creating, listing and dropping them. */
export const ddlCommands: Record<string, CommandSpec> = {
  // Creating an existing collection with the same (no) options succeeds since MongoDB 7.0 (SERVER-60064).
  create: command(
    "",
    (cmd, context) => {
      context.catalog.obtain(context.db, collectionName(cmd, "create"));
      return { ok: 1 };
    },
    {
      refuses:
        "capped autoIndexId idIndex size max storageEngine validator validationLevel validationAction indexOptionDefaults viewOn pipeline collation changeStreamPreAndPostImages timeseries clusteredIndex expireAfterSeconds encryptedFields temp flags",
    },
  ),

  // Since MongoDB 7.0, dropping a collection that does not exist succeeds.
  drop: command(
    "",
    (cmd, context) => {
      const name = collectionName(cmd, "drop");
      const dropped = context.catalog.drop(context.db, name);
      return { ns: `${context.db}.${name}`, nIndexesWas: dropped?.indexes().length ?? 0, ok: 1 };
    },
    { refuses: "collectionUUID" },
  ),

  dropDatabase: command("", (_cmd, context) => {
    context.catalog.dropDatabase(context.db);
    return { dropped: context.db, ok: 1 };
  }),

  listCollections: command("filter nameOnly authorizedCollections cursor", (cmd, context) => {
    const infos = [...context.catalog.collections(context.db).keys()].map((name) => ({
      name,
      type: "collection",
      options: {},
      info: { readOnly: false },
      idIndex: ID_INDEX,
    }));
    const listed = select(infos, optionalDocument(cmd, "filter") ?? {});
    const shown = cmd.nameOnly === true ? listed.map(({ name, type }) => ({ name, type })) : listed;
    return context.cursors.open(`${context.db}.$cmd.listCollections`, shown, undefined, true);
  }, { refuses: "includePendingDrops" }),

  listDatabases: command(
    "filter nameOnly authorizedDatabases",
    (cmd, context) => {
      const databases = context.catalog.databaseNames().map((name) => ({ name, sizeOnDisk: 0, empty: false }));
      const listed = select(databases, optionalDocument(cmd, "filter") ?? {});
      return { databases: cmd.nameOnly === true ? listed.map(({ name }) => ({ name })) : listed, totalSize: 0, ok: 1 };
    },
    { adminOnly: true },
  ),

  createIndexes: command("indexes commitQuorum", (cmd, context) => {
    if (!Array.isArray(cmd.indexes) || cmd.indexes.length === 0) throw new CommandError(2, "'indexes' must be a non-empty array");
    const specs = cmd.indexes.map(parseIndexSpec);
    const name = collectionName(cmd, "createIndexes");
    const createdCollectionAutomatically = context.catalog.get(context.db, name) === undefined;
    const collection = context.catalog.obtain(context.db, name);
    const numIndexesBefore = collection.indexes().length;
    const created = specs.filter((spec) => collection.createIndex(spec)).length;
    return {
      numIndexesBefore,
      numIndexesAfter: collection.indexes().length,
      createdCollectionAutomatically,
      ...(created === 0 ? { note: "all indexes already exist" } : {}),
      ok: 1,
    };
  }, { refuses: "ignoreUnknownIndexOptions returnOnStart collectionUUID" }),

  listIndexes: command("cursor", (cmd, context) => {
    const name = collectionName(cmd, "listIndexes");
    return context.cursors.open(`${context.db}.${name}`, existing(context, name).indexes().map((spec) => ({ ...spec })), undefined, true);
  }, { refuses: "includeBuildUUIDs includeIndexBuildInfo collectionUUID" }),

  // `index` is a name, a key pattern, or "*" for all but _id.
  dropIndexes: command("index", (cmd, context) => {
    const collection = existing(context, collectionName(cmd, "dropIndexes"));
    const nIndexesWas = collection.indexes().length;
    const wanted = cmd.index;
    const names =
      wanted === "*"
        ? collection.indexes().map((spec) => spec.name)
        : typeof wanted === "string"
          ? [wanted]
          : collection.indexes().filter((spec) => isDocument(wanted) && bsonKey(spec.key) === bsonKey(wanted)).map((spec) => spec.name);
    if (names.length === 0) throw new CommandError(27, `can't find index with key: ${JSON.stringify(wanted)}`);
    for (const name of names) {
      if (!collection.dropIndex(name) && wanted !== "*") throw new CommandError(27, `index not found with name [${name}]`);
    }
    return { nIndexesWas, ok: 1 };
  }, { refuses: "collectionUUID" }),
};
