import { aggregate, modify } from "./query.ts";
import { bsonKey, clone, isDocument, type Doc } from "./documents.ts";
import { CommandError } from "./errors.ts";
import { checkModifier, checkTargets } from "./update-checks.ts";

// MongoDB's update operators; mingo implements all but $setOnInsert, which only an upsert's insert applies.
const OPERATORS = new Set(
  "$set $unset $inc $mul $min $max $rename $currentDate $setOnInsert $push $pull $pullAll $addToSet $pop $bit".split(" "),
);
// The stages MongoDB allows in an update pipeline.
const PIPELINE_STAGES = new Set("$addFields $set $project $unset $replaceRoot $replaceWith".split(" "));

/** The `u` of an update or findAndModify, in one of MongoDB's three forms. */
export type Update =
  | { readonly kind: "operators"; readonly modifier: Doc }
  | { readonly kind: "replacement"; readonly replacement: Doc }
  | { readonly kind: "pipeline"; readonly stages: Doc[] };

/** Classifies and validates an update document with mongod's errors. */
export function parseUpdate(u: unknown): Update {
  if (Array.isArray(u)) {
    const stages = u.filter(isDocument);
    for (const stage of stages) {
      const name = Object.keys(stage)[0] ?? "";
      if (!PIPELINE_STAGES.has(name)) throw new CommandError(72, `${name} is not allowed to be used within an update`);
    }
    if (stages.length !== u.length) throw new CommandError(14, "each update pipeline stage must be an object");
    return { kind: "pipeline", stages };
  }
  if (!isDocument(u)) throw new CommandError(14, "update must be an object or an array");
  const keys = Object.keys(u);
  const operators = keys.filter((key) => key.startsWith("$"));
  if (operators.length === 0) return { kind: "replacement", replacement: u };
  for (const key of keys) {
    if (!OPERATORS.has(key)) {
      throw new CommandError(9, `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
  }
  checkModifier(u);
  return { kind: "operators", modifier: u };
}

/**
 * The document an update turns `doc` into, as a new object (so a failed write leaves the store untouched).
 * `inserting` is true for an upsert's new document, the only time $setOnInsert applies.
 */
export function applyUpdate(update: Update, doc: Doc, filter: Doc, arrayFilters: Doc[] | undefined, inserting: boolean): Doc {
  let next = clone(doc);
  if (update.kind === "replacement") {
    next = { ...(doc._id === undefined ? {} : { _id: doc._id }), ...clone(update.replacement) };
  } else if (update.kind === "pipeline") {
    next = aggregate([next], update.stages, () => [])[0] ?? {};
    // A pipeline that drops _id (`$replaceRoot`, `$project`) keeps it: mongod restores the original.
    if (next._id === undefined && doc._id !== undefined) next._id = doc._id;
  } else {
    // $setOnInsert is $set for an upsert's insert, and ignored otherwise.
    const { $setOnInsert, ...operators } = update.modifier;
    const modifier = inserting && isDocument($setOnInsert) ? { ...operators, $set: { ...asFields(operators.$set), ...$setOnInsert } } : operators;
    // mingo applies an update only if the document matches `filter` (it resolves the positional `$`
    // from it); an upsert's seed need not match (`{ age: { $gt: 0 } }` seeds nothing), so it gets none.
    const rest = withoutId(modifier, next, inserting);
    checkTargets(rest, next);
    if (Object.keys(rest).length > 0) modify(next, rest, inserting ? {} : filter, arrayFilters);
  }
  if (doc._id !== undefined && bsonKey(next._id) !== bsonKey(doc._id)) {
    throw immutableId();
  }
  return withIdFirst(next);
}

const immutableId = (): CommandError =>
  new CommandError(66, "Performing an update on the path '_id' would modify the immutable field '_id'");

const asFields = (value: unknown): Doc => (isDocument(value) ? value : {});

/**
 * The modifier without `_id`, which mingo never lets an update touch. MongoDB allows `$set` of the
 * same _id, and any _id in an upsert's insert (`$setOnInsert: { _id }` is a common idiom): that one is set here.
 */
function withoutId(modifier: Doc, next: Doc, inserting: boolean): Doc {
  const rest: Doc = {};
  for (const [operator, fields] of Object.entries(modifier)) {
    const { _id, ...others } = asFields(fields);
    if (Object.keys(others).some((path) => path.startsWith("_id."))) throw immutableId();
    if (_id !== undefined) {
      if (operator !== "$set" || (!inserting && bsonKey(_id) !== bsonKey(next._id))) throw immutableId();
      next._id = _id;
    }
    if (!isDocument(fields)) rest[operator] = fields;
    else if (_id === undefined || Object.keys(others).length > 0) rest[operator] = others;
  }
  return rest;
}

/**
 * The document an upsert starts from: the filter's equality conditions, as MongoDB seeds it
 * (`{ a: 1, "b.c": 2, d: { $eq: 3 }, $and: [{ e: 4 }] }` → `{ a: 1, b: { c: 2 }, d: 3, e: 4 }`).
 */
export function upsertSeed(filter: Doc, seed: Doc = {}): Doc {
  for (const [path, condition] of Object.entries(filter)) {
    if (path === "$and" && Array.isArray(condition)) {
      for (const clause of condition) if (isDocument(clause)) upsertSeed(clause, seed);
      continue;
    }
    if (path.startsWith("$") || condition instanceof RegExp) continue;
    const operators = isDocument(condition) && Object.keys(condition).some((key) => key.startsWith("$"));
    if (operators && !("$eq" in condition)) continue;
    setPath(seed, path.split("."), operators ? condition.$eq : condition);
  }
  return seed;
}

/** mongod stores _id as the first field of every document. */
export function withIdFirst(doc: Doc): Doc {
  if (doc._id === undefined || Object.keys(doc)[0] === "_id") return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

function setPath(target: Doc, [head, ...rest]: string[], value: unknown): void {
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = clone({ value }).value;
    return;
  }
  const child = isDocument(target[head]) ? target[head] : {};
  target[head] = child;
  setPath(child, rest, value);
}
