import { deserialize, serialize } from "bson";

/** A BSON document as the stand-in holds it. */
export type Doc = Record<string, unknown>;

/** A document's BSON bytes, viewed as a Buffer without copying. */
export function toBytes(doc: Doc): Buffer {
  const bytes = serialize(doc);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A deep copy through a BSON round trip, so no caller can alias stored data. */
export function clone(doc: Doc): Doc {
  return deserialize(serialize(doc));
}

/** True for a sub-document, false for arrays, dates and BSON value classes (ObjectId, Binary…). */
export function isDocument(value: unknown): value is Doc {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The values a dotted path reaches, descending through arrays as MongoDB does for indexes and distinct. */
export function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  const [head, ...rest] = path;
  if (head === undefined) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, path));
  if (!isDocument(value) || !(head in value)) return [];
  return valuesAt(value[head], rest);
}

/** An exact, type-sensitive identity for a value (1 and "1" differ), used as a Map key. */
export function bsonKey(value: unknown): string {
  return toBytes({ v: value ?? null }).toString("hex");
}

/** Whether two documents are byte-for-byte the same BSON, which is how nModified is decided. */
export function sameBson(a: Doc, b: Doc): boolean {
  return toBytes(a).equals(toBytes(b));
}

/** Replaces a stored document's fields in place, so it keeps its insertion-order position. */
export function overwrite(target: Doc, source: Doc): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, source);
}
