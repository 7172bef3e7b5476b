import { ObjectId } from "bson";
import type { Collection } from "./collection.ts";
import { clone, isDocument, sameBson, type Doc } from "./documents.ts";
import { CommandError, notImplemented, unknownField } from "./errors.ts";
import { collectionName, command, documentArray, optionalDocument, scan, words, type CommandSpec, type Context } from "./handler.ts";
import { select } from "./query.ts";
import { applyUpdate, parseUpdate, upsertSeed, withIdFirst, type Update } from "./updates.ts";

const UPDATE_STATEMENT = words("q u multi upsert arrayFilters hint sort");
const DELETE_STATEMENT = words("q limit hint");
// What mongod's write_ops.idl knows beyond that, and the stand-in lacks.
const UPDATE_STATEMENT_REFUSES = words("c collation upsertSupplied sampleId");
const DELETE_STATEMENT_REFUSES = words("collation sampleId");
const WRITE_REFUSES = "let stmtId stmtIds collectionUUID";

/** Stores a new document, giving it an ObjectId _id if it has none, as mongod does. */
function insertOne(collection: Collection, doc: Doc): Doc {
  if (Array.isArray(doc._id) || doc._id instanceof RegExp) throw new CommandError(2, "can't use an array or regex for _id");
  // Since MongoDB 5.0 (SERVER-49117) `$`-prefixed field names are stored anywhere but inside _id.
  const dollar = dollarField(doc._id);
  if (dollar !== undefined) throw new CommandError(52, `_id fields may not contain '$'-prefixed fields: ${dollar} is not valid for storage.`);
  const stored = withIdFirst(doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc);
  collection.insert(stored);
  return stored;
}

/** The first `$`-prefixed field name at any depth of a value, if any. */
function dollarField(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map(dollarField).find((found) => found !== undefined);
  if (!isDocument(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = key.startsWith("$") ? key : dollarField(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Runs a batch of write statements with mongod's semantics: each failure becomes a writeErrors
 * entry with its index; an ordered batch stops at the first one.
 */
function writeBatch(statements: Doc[], ordered: boolean, run: (statement: Doc, index: number) => void): Doc {
  const writeErrors: Doc[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      run(statement, index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      writeErrors.push({ index, ...error.toDocument() });
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { writeErrors } : {};
}

// Statement options are refused like command options: ignoring one would answer wrongly.
function refuseUnknown(statement: Doc, allowed: ReadonlySet<string>, refused: ReadonlySet<string>, path: "update.updates" | "delete.deletes"): void {
  const unknown = Object.keys(statement).find((key) => !allowed.has(key));
  if (unknown === undefined) return;
  if (refused.has(unknown)) throw notImplemented(`the ${path.split(".")[0]} statement option '${unknown}'`);
  throw unknownField(`${path}.${unknown}`);
}

/** The document an upsert inserts: the filter's equalities (only _id for a replacement) updated. */
function upsertDocument(update: Update, filter: Doc, arrayFilters: Doc[] | undefined): Doc {
  const seed = upsertSeed(filter);
  const base = update.kind === "replacement" ? (seed._id === undefined ? {} : { _id: seed._id }) : seed;
  return applyUpdate(update, base, filter, arrayFilters, true);
}

function arrayFiltersOf(statement: Doc): Doc[] | undefined {
  const value = statement.arrayFilters;
  if (value === undefined || (Array.isArray(value) && value.every(isDocument))) return value;
  throw new CommandError(14, "arrayFilters must be an array of objects");
}

interface UpdateOutcome {
  matched: number;
  modified: number;
  upserted?: unknown;
}

function updateStatement(context: Context, name: string, statement: Doc): UpdateOutcome {
  refuseUnknown(statement, UPDATE_STATEMENT, UPDATE_STATEMENT_REFUSES, "update.updates");
  const filter = optionalDocument(statement, "q") ?? {};
  const update = parseUpdate(statement.u);
  const multi = statement.multi === true;
  const arrayFilters = arrayFiltersOf(statement);
  if (multi && update.kind === "replacement") throw new CommandError(9, "multi update is not supported for replacement-style update");
  const collection = context.catalog.get(context.db, name);
  const matched = select(scan(collection, filter, statement.hint), filter, { sort: optionalDocument(statement, "sort") });
  const targets = multi ? matched : matched.slice(0, 1);
  let modified = 0;
  for (const target of targets) {
    const next = applyUpdate(update, target, filter, arrayFilters, false);
    if (sameBson(next, target)) continue;
    collection?.replace(target, next);
    modified += 1;
  }
  if (targets.length > 0 || statement.upsert !== true) return { matched: targets.length, modified };
  const doc = insertOne(context.catalog.obtain(context.db, name), upsertDocument(update, filter, arrayFilters));
  return { matched: 0, modified: 0, upserted: doc._id };
}

/** insert, update, delete and findAndModify, the commands that write. */
export const writeCommands: Record<string, CommandSpec> = {
  insert: command("documents ordered bypassDocumentValidation", (cmd, context) => {
    const collection = context.catalog.obtain(context.db, collectionName(cmd, "insert"));
    const documents = documentArray(cmd, "documents");
    let n = 0;
    const errors = writeBatch(documents, cmd.ordered !== false, (doc) => {
      insertOne(collection, doc);
      n += 1;
    });
    return { n, ...errors, ok: 1 };
  }, { refuses: WRITE_REFUSES }),

  update: command("updates ordered bypassDocumentValidation", (cmd, context) => {
    const name = collectionName(cmd, "update");
    let n = 0;
    let nModified = 0;
    const upserted: Doc[] = [];
    const errors = writeBatch(documentArray(cmd, "updates"), cmd.ordered !== false, (statement, index) => {
      const outcome = updateStatement(context, name, statement);
      n += outcome.matched + (outcome.upserted === undefined ? 0 : 1);
      nModified += outcome.modified;
      if (outcome.upserted !== undefined) upserted.push({ index, _id: outcome.upserted });
    });
    return { n, nModified, ...(upserted.length > 0 ? { upserted } : {}), ...errors, ok: 1 };
  }, { refuses: WRITE_REFUSES }),

  delete: command("deletes ordered", (cmd, context) => {
    const collection = context.catalog.get(context.db, collectionName(cmd, "delete"));
    let n = 0;
    const errors = writeBatch(documentArray(cmd, "deletes"), cmd.ordered !== false, (statement) => {
      refuseUnknown(statement, DELETE_STATEMENT, DELETE_STATEMENT_REFUSES, "delete.deletes");
      const filter = optionalDocument(statement, "q") ?? {};
      if (statement.limit !== 0 && statement.limit !== 1) {
        throw new CommandError(9, `The limit field in delete objects must be 0 or 1. Got ${String(statement.limit)}`);
      }
      const matched = select(scan(collection, filter, statement.hint), filter);
      for (const doc of statement.limit === 1 ? matched.slice(0, 1) : matched) collection?.remove(doc);
      n += statement.limit === 1 ? Math.min(1, matched.length) : matched.length;
    });
    return { n, ...errors, ok: 1 };
  }, { refuses: WRITE_REFUSES }),

  findAndModify: command("query sort remove update new fields upsert arrayFilters bypassDocumentValidation hint", (cmd, context) => {
    const name = collectionName(cmd, "findAndModify");
    const filter = optionalDocument(cmd, "query") ?? {};
    const projection = optionalDocument(cmd, "fields");
    const remove = cmd.remove === true;
    if (remove === (cmd.update !== undefined)) throw new CommandError(9, "Either an update or remove=true must be specified, not both");
    if (remove && (cmd.new === true || cmd.upsert === true)) throw new CommandError(9, "Cannot specify remove=true with new=true or upsert=true");
    const shaped = (doc: Doc | undefined): Doc | null =>
      doc === undefined ? null : projection === undefined ? doc : (select([doc], {}, { projection })[0] ?? null);
    const collection = context.catalog.get(context.db, name);
    const target = select(scan(collection, filter, cmd.hint), filter, { sort: optionalDocument(cmd, "sort") })[0];

    if (remove) {
      if (target !== undefined) collection?.remove(target);
      return { lastErrorObject: { n: target === undefined ? 0 : 1 }, value: shaped(target), ok: 1 };
    }
    const update = parseUpdate(cmd.update);
    const arrayFilters = arrayFiltersOf(cmd);
    if (target !== undefined) {
      const before = clone(target);
      const next = applyUpdate(update, target, filter, arrayFilters, false);
      if (!sameBson(next, target)) collection?.replace(target, next);
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: shaped(cmd.new === true ? target : before), ok: 1 };
    }
    if (cmd.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
    const doc = insertOne(context.catalog.obtain(context.db, name), upsertDocument(update, filter, arrayFilters));
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
      value: cmd.new === true ? shaped(doc) : null,
      ok: 1,
    };
  }, { refuses: "collation let stmtId" }),
};
