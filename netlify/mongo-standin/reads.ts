import { Long } from "bson";
import { bsonKey, valuesAt, type Doc } from "./documents.ts";
import { CommandError, notImplemented } from "./errors.ts";
import { cursorId } from "./cursors.ts";
import { checkHint, collectionName, command, documentArray, optionalDocument, optionalNumber, scan, type CommandSpec } from "./handler.ts";
import { currentOps } from "./current-op.ts";
import { aggregate, select } from "./query.ts";

// The options mongod's parsers know (find_command.idl, count_command.idl…) that the stand-in lacks.
const FIND_REFUSES =
  "collation let min max returnKey showRecordId tailable awaitData oplogReplay allowPartialResults readOnce options term ntoreturn $queryOptions";

// Stages that write or watch: mingo would write past the stand-in's indexes, so they are refused.
const REFUSED_STAGES = ["$out", "$merge", "$changeStream"];

/** find, getMore, killCursors, count, distinct and aggregate, the commands that read. */
export const readCommands: Record<string, CommandSpec> = {
  find: command("filter sort projection skip limit batchSize singleBatch hint allowDiskUse noCursorTimeout", (cmd, context) => {
    const name = collectionName(cmd, "find");
    const filter = optionalDocument(cmd, "filter") ?? {};
    const limit = optionalNumber(cmd, "limit") ?? 0;
    const results = select(scan(context.catalog.get(context.db, name), filter, cmd.hint), filter, {
      sort: optionalDocument(cmd, "sort"),
      projection: optionalDocument(cmd, "projection"),
      skip: optionalNumber(cmd, "skip"),
      limit,
    });
    // A negative limit is the legacy spelling of "one batch of at most |limit|".
    const singleBatch = cmd.singleBatch === true || limit < 0;
    return context.cursors.open(`${context.db}.${name}`, results, optionalNumber(cmd, "batchSize"), singleBatch);
  }, { refuses: FIND_REFUSES }),

  getMore: command("collection batchSize", (cmd, context) =>
    context.cursors.more(cursorId(cmd.getMore), optionalNumber(cmd, "batchSize")),
    { refuses: "term lastKnownCommittedOpTime" },
  ),

  killCursors: command("cursors", (cmd, context) => {
    if (!Array.isArray(cmd.cursors)) throw new CommandError(14, "'cursors' must be an array of cursor ids");
    const { killed, notFound } = context.cursors.kill(cmd.cursors.map(cursorId));
    const asLongs = (ids: number[]): Long[] => ids.map((id) => Long.fromNumber(id));
    return { cursorsKilled: asLongs(killed), cursorsNotFound: asLongs(notFound), cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }),

  // estimatedDocumentCount() sends count without a query.
  count: command("query limit skip hint", (cmd, context) => {
    const filter = optionalDocument(cmd, "query") ?? {};
    const collection = context.catalog.get(context.db, collectionName(cmd, "count"));
    const shape = { skip: optionalNumber(cmd, "skip"), limit: optionalNumber(cmd, "limit") };
    return { n: select(scan(collection, filter, cmd.hint), filter, shape).length, ok: 1 };
  }, { refuses: "collation fields" }),

  distinct: command("key query hint", (cmd, context) => {
    if (typeof cmd.key !== "string") throw new CommandError(14, "'key' must be a string");
    const path = cmd.key.split(".");
    const filter = optionalDocument(cmd, "query") ?? {};
    const matched = select(scan(context.catalog.get(context.db, collectionName(cmd, "distinct")), filter, cmd.hint), filter);
    const values = new Map<string, unknown>();
    for (const doc of matched) for (const value of valuesAt(doc, path)) values.set(bsonKey(value), value);
    return { values: [...values.values()], ok: 1 };
  }, { refuses: "collation" }),

  // countDocuments() is an aggregate: $match, $skip, $limit, then $group with $sum: 1.
  aggregate: command("pipeline cursor allowDiskUse hint bypassDocumentValidation", (cmd, context) => {
    const pipeline = documentArray(cmd, "pipeline");
    const refused = pipeline.flatMap(Object.keys).find((stage) => REFUSED_STAGES.includes(stage));
    if (refused !== undefined) throw notImplemented(`the ${refused} stage`);
    if (pipeline.slice(1).some((stage) => "$currentOp" in stage)) {
      throw new CommandError(40602, "$currentOp is only valid as the first stage in a pipeline.");
    }
    const cursor = optionalDocument(cmd, "cursor");
    if (cursor === undefined) throw new CommandError(9, "The 'cursor' option is required, except for aggregate with the explain argument");
    // `aggregate: 1` runs a collection-less pipeline (e.g. starting with $documents or $currentOp).
    const name = cmd.aggregate === 1 ? undefined : collectionName(cmd, "aggregate");
    const collection = name === undefined ? undefined : context.catalog.get(context.db, name);
    checkHint(collection, cmd.hint);
    const first = pipeline[0];
    const fromConnections = first !== undefined && "$currentOp" in first;
    const source = fromConnections ? currentOps(first.$currentOp, cmd, context) : (collection?.documents() ?? []);
    const resolve = (other: string): Doc[] => context.catalog.get(context.db, other)?.documents() ?? [];
    const results = aggregate(source, fromConnections ? pipeline.slice(1) : pipeline, resolve);
    return context.cursors.open(`${context.db}.${name ?? "$cmd.aggregate"}`, results, optionalNumber(cursor, "batchSize"));
  }, { refuses: "explain collation let" }),
};
