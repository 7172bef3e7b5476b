import { Aggregator, ProcessingMode, Query, update } from "mingo";
import type { Modifier } from "mingo/updater";
import type { Doc } from "./documents.ts";
import { CommandError, notImplemented } from "./errors.ts";

// Server-side JavaScript ($where, $function, $accumulator) is off, as on Atlas's shared tiers.
const OPTIONS = { scriptEnabled: false } as const;

/** find's shaping of a result set, applied in mongod's order: sort, skip, limit, then projection. */
export interface Shape {
  readonly sort?: Doc;
  readonly skip?: number;
  readonly limit?: number;
  readonly projection?: Doc;
}

/**
 * Runs mingo, turning whatever it rejects (an operator it lacks, a script) into code 59:
 * the stand-in must fail loudly rather than answer differently from MongoDB.
 */
function viaMingo<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw notImplemented(`this ${what} (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The documents matching a filter, shaped; insertion order unless sorted. */
export function select(docs: Doc[], filter: Doc, shape: Shape = {}): Doc[] {
  return viaMingo("query", () => {
    let cursor = new Query(filter, OPTIONS).find<Doc>(docs, shape.projection);
    if (shape.sort !== undefined) cursor = cursor.sort(shape.sort);
    if (shape.skip) cursor = cursor.skip(shape.skip);
    if (shape.limit) cursor = cursor.limit(Math.abs(shape.limit));
    const results = cursor.all();
    // mongod keeps _id first in projected documents; mingo appends it.
    return shape.projection === undefined ? results : results.map(({ _id, ...rest }) => (_id === undefined ? rest : { _id, ...rest }));
  });
}

/** Whether one document matches a filter. */
export function matches(filter: Doc, doc: Doc): boolean {
  return viaMingo("query", () => new Query(filter, OPTIONS).test(doc));
}

/** Runs an aggregation pipeline; the input documents are cloned, never mutated. */
export function aggregate(docs: Doc[], pipeline: Doc[], resolve: (name: string) => Doc[]): Doc[] {
  return viaMingo("aggregation pipeline", () =>
    new Aggregator(pipeline, { ...OPTIONS, processingMode: ProcessingMode.CLONE_INPUT, collectionResolver: resolve }).run<Doc>(docs),
  );
}

/** Applies update operators to a document in place, if it matches `filter`, which also resolves the positional `$`. */
export function modify(doc: Doc, modifier: Doc, filter: Doc, arrayFilters: Doc[] | undefined): void {
  viaMingo("update", () => update(doc, modifier as Modifier<Doc>, arrayFilters, filter, { cloneMode: "deep", queryOptions: OPTIONS }));
}
