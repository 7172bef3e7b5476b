import { EJSON, ObjectId } from "bson";
import { bsonKey, isDocument, valuesAt, type Doc } from "./documents.ts";
import { CommandError, notImplemented } from "./errors.ts";

/** An index definition, in the shape listIndexes returns it. */
export interface IndexSpec {
  readonly v: 2;
  readonly key: Record<string, 1 | -1>;
  readonly name: string;
  readonly unique?: true;
  readonly expireAfterSeconds?: number;
}

/** The index every collection has and nobody can drop. */
export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: "_id_" };

// Options that change nothing for an in-memory store; any other option is refused, not ignored.
const HARMLESS_OPTIONS = new Set(["key", "name", "unique", "expireAfterSeconds", "background", "v", "ns"]);

/** Validates one entry of createIndexes' `indexes` as mongod does, refusing index kinds the stand-in lacks. */
export function parseIndexSpec(raw: unknown): IndexSpec {
  if (!isDocument(raw) || !isDocument(raw.key) || Object.keys(raw.key).length === 0) {
    throw new CommandError(2, "each index specification needs a non-empty 'key' document");
  }
  for (const option of Object.keys(raw)) {
    if (!HARMLESS_OPTIONS.has(option)) throw notImplemented(`the index option '${option}'`);
  }
  const key: Record<string, 1 | -1> = {};
  for (const [field, direction] of Object.entries(raw.key)) {
    if (typeof direction !== "number" || direction === 0) throw notImplemented(`${JSON.stringify(direction)} indexes`);
    key[field] = direction > 0 ? 1 : -1;
  }
  const fields = Object.keys(key);
  const name = raw.name ?? fields.map((field) => `${field}_${key[field]}`).join("_");
  if (typeof name !== "string" || name === "") throw new CommandError(2, "index name must be a non-empty string");
  const ttl = raw.expireAfterSeconds;
  if (ttl !== undefined) {
    if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0) {
      throw new CommandError(67, "TTL index 'expireAfterSeconds' must be a non-negative integer");
    }
    if (fields.length !== 1 || fields[0] === "_id") {
      throw new CommandError(67, "TTL indexes are single-field indexes on a field other than _id");
    }
  }
  return {
    v: 2,
    key,
    name,
    ...(raw.unique === true ? { unique: true as const } : {}),
    ...(ttl === undefined ? {} : { expireAfterSeconds: ttl }),
  };
}

/** Whether two specs index the same fields in the same directions. */
export function sameKey(a: IndexSpec, b: IndexSpec): boolean {
  return bsonKey(a.key) === bsonKey(b.key);
}

/** Whether two specs are the same index in every respect that matters. */
export function sameIndex(a: IndexSpec, b: IndexSpec): boolean {
  return bsonKey(a) === bsonKey(b);
}

/** An index spec in mongod's error messages. */
export function describeIndex(spec: IndexSpec): string {
  return EJSON.stringify(spec, { relaxed: true });
}

/**
 * The index keys a document produces: one per combination of array elements (a multikey index),
 * with a missing field indexed as null, as mongod does.
 */
export function indexKeys(spec: IndexSpec, doc: Doc): string[] {
  let tuples: unknown[][] = [[]];
  for (const field of Object.keys(spec.key)) {
    const values = valuesAt(doc, field.split("."));
    const choices = values.length === 0 ? [null] : values;
    tuples = tuples.flatMap((tuple) => choices.map((value) => [...tuple, value]));
  }
  return [...new Set(tuples.map(bsonKey))];
}

/** mongod's E11000 error, with the keyPattern and keyValue drivers expose on MongoServerError. */
export function duplicateKeyError(namespace: string, spec: IndexSpec, doc: Doc): CommandError {
  const keyValue: Doc = {};
  for (const field of Object.keys(spec.key)) keyValue[field] = valuesAt(doc, field.split("."))[0] ?? null;
  const shown = Object.entries(keyValue).map(([field, value]) => `${field}: ${show(value)}`);
  return new CommandError(
    11000,
    `E11000 duplicate key error collection: ${namespace} index: ${spec.name} dup key: { ${shown.join(", ")} }`,
    { keyPattern: spec.key, keyValue },
  );
}

// mongod prints key values in shell syntax.
function show(value: unknown): string {
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  return EJSON.stringify(value ?? null, { relaxed: true });
}
