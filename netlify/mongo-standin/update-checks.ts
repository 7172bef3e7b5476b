import { Decimal128, Double, EJSON, Int32, Long } from "bson";
import { isDocument, type Doc } from "./documents.ts";
import { CommandError } from "./errors.ts";

// mingo applies an update operator to a value of the wrong type as a silent no-op, where mongod
// fails the write. These checks run before mingo, on the document as it is, with mongod's codes.

// Operators that create their path when it is missing; the others ($unset, $pull, $pullAll, $pop)
// do nothing on a path that does not exist or cannot exist.
const CREATING = new Set("$set $setOnInsert $inc $mul $min $max $currentDate $push $addToSet $bit".split(" "));

/**
 * What mongod refuses while parsing, whether or not a document matches: naming one path twice, or a
 * path and one inside it (40 ConflictingUpdateOperators), and arithmetic by a non-number (14).
 */
export function checkModifier(modifier: Doc): void {
  const written: string[] = [];
  for (const [operator, fields] of Object.entries(modifier)) {
    if (!isDocument(fields)) continue;
    for (const [path, argument] of Object.entries(fields)) {
      if ((operator === "$inc" || operator === "$mul") && !isNumber(argument)) {
        const verb = operator === "$inc" ? "increment" : "multiply";
        throw new CommandError(14, `Cannot ${verb} with non-numeric argument: {${path}: ${show(argument)}}`);
      }
      // $rename writes both ends.
      for (const end of operator === "$rename" ? [path, String(argument)] : [path]) claim(written, end);
    }
  }
}

/** Adds a path to those an update writes, refusing one that is, contains or lies inside another. */
function claim(written: string[], path: string): void {
  for (const other of written) {
    const [shorter, longer] = path.length <= other.length ? [path, other] : [other, path];
    if (longer === shorter || longer.startsWith(`${shorter}.`)) {
      throw new CommandError(40, `Updating the path '${path}' would create a conflict at '${shorter}'`);
    }
  }
  written.push(path);
}

/**
 * Refuses what mongod refuses about the values an update's paths reach in `doc`: arithmetic on a
 * non-number (14), array operators on a non-array (2; $pop: 14), and creating a field inside a
 * scalar or an array (28 PathNotViable). Paths with a positional operator are left to mingo.
 */
export function checkTargets(modifier: Doc, doc: Doc): void {
  for (const [operator, fields] of Object.entries(modifier)) {
    if (!isDocument(fields) || operator === "$rename") continue;
    for (const path of Object.keys(fields)) {
      const segments = path.split(".");
      if (segments.some((segment) => segment.startsWith("$"))) continue;
      const reached = walk(doc, segments);
      if (reached.kind === "blocked" && CREATING.has(operator)) {
        throw new CommandError(28, `Cannot create field '${reached.field}' in element {${reached.parent}: ${show(reached.value)}}`);
      }
      if (reached.kind === "found") checkValue(operator, path, reached.value, doc);
    }
  }
}

function checkValue(operator: string, path: string, value: unknown, doc: Doc): void {
  const type = typeName(value);
  switch (operator) {
    case "$inc":
    case "$mul":
      if (!isNumber(value)) {
        throw new CommandError(
          14,
          `Cannot apply ${operator} to a value of non-numeric type. {_id: ${show(doc._id)}} has the field '${path}' of non-numeric type ${type}`,
        );
      }
      return;
    case "$push":
      if (!Array.isArray(value)) throw new CommandError(2, `The field '${path}' must be an array but is of type ${type} in document {_id: ${show(doc._id)}}`);
      return;
    case "$addToSet":
      if (!Array.isArray(value)) throw new CommandError(2, `Cannot apply $addToSet to non-array field. Field named '${path}' has non-array type ${type}`);
      return;
    case "$pull":
    case "$pullAll":
      if (!Array.isArray(value)) throw new CommandError(2, `Cannot apply ${operator} to a non-array value`);
      return;
    case "$pop":
      if (!Array.isArray(value)) throw new CommandError(14, `Path '${path}' contains an element of non-array type '${type}'`);
      return;
  }
}

type Reached =
  | { kind: "found"; value: unknown }
  | { kind: "missing" }
  | { kind: "blocked"; field: string; parent: string; value: unknown };

// An update addresses array elements only by index; it never looks into an array's documents.
function walk(doc: Doc, segments: string[]): Reached {
  let value: unknown = doc;
  let parent = "";
  for (const segment of segments) {
    if (isDocument(value)) {
      if (!Object.hasOwn(value, segment)) return { kind: "missing" };
      value = value[segment];
    } else if (Array.isArray(value) && /^\d+$/.test(segment)) {
      const index = Number(segment);
      if (index >= value.length) return { kind: "missing" };
      value = value[index];
    } else {
      return { kind: "blocked", field: segment, parent, value };
    }
    parent = segment;
  }
  return { kind: "found", value };
}

function isNumber(value: unknown): boolean {
  return typeof value === "number" || value instanceof Long || value instanceof Int32 || value instanceof Double || value instanceof Decimal128;
}

// mongod's names for BSON types, as its messages print them.
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (isDocument(value)) return "object";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (value instanceof Date) return "date";
  if (value instanceof RegExp) return "regex";
  const bsontype = (value as { _bsontype?: unknown } | undefined)?._bsontype;
  return typeof bsontype === "string" ? bsontype.charAt(0).toLowerCase() + bsontype.slice(1) : typeof value;
}

function show(value: unknown): string {
  return EJSON.stringify(value ?? null, { relaxed: true });
}
