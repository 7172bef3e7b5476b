import { Long } from "bson";
import { clone, type Doc } from "./documents.ts";
import { CommandError } from "./errors.ts";

// mongod's first batch holds 101 documents unless the client asks otherwise.
const DEFAULT_FIRST_BATCH = 101;

interface OpenCursor {
  readonly namespace: string;
  readonly remaining: Doc[];
}

/** Open cursors by id: results beyond the first batch wait here for getMore, as on mongod. */
export class Cursors {
  #nextId = 1;
  readonly #open = new Map<number, OpenCursor>();

  /** The reply to find/aggregate/list*: the first batch, and a cursor id if more remain. */
  open(namespace: string, results: Doc[], batchSize: number | undefined, singleBatch = false): Doc {
    const size = batchSize ?? DEFAULT_FIRST_BATCH;
    const batch = singleBatch ? results : results.slice(0, size);
    let id = 0;
    if (batch.length < results.length) {
      id = this.#nextId++;
      // Snapshots, so a later write cannot change what a paused cursor returns.
      this.#open.set(id, { namespace, remaining: results.slice(size).map(clone) });
    }
    return cursorReply(namespace, id, "firstBatch", batch);
  }

  /** The reply to getMore; an exhausted cursor is closed with id 0. */
  more(id: number, batchSize: number | undefined): Doc {
    const cursor = this.#open.get(id);
    if (cursor === undefined) throw new CommandError(43, `cursor id ${id} not found`);
    const batch = cursor.remaining.splice(0, batchSize || cursor.remaining.length);
    if (cursor.remaining.length === 0) this.#open.delete(id);
    return cursorReply(cursor.namespace, cursor.remaining.length === 0 ? 0 : id, "nextBatch", batch);
  }

  /** Closes cursors; returns which ids were open and which were not, for killCursors' reply. */
  kill(ids: number[]): { killed: number[]; notFound: number[] } {
    const killed = ids.filter((id) => this.#open.delete(id));
    return { killed, notFound: ids.filter((id) => !killed.includes(id)) };
  }
}

/** A cursor id as a number, whether the driver's int64 arrived promoted or as a Long. */
export function cursorId(value: unknown): number {
  if (typeof value === "number") return value;
  if (Long.isLong(value)) return value.toNumber();
  throw new CommandError(14, "cursor id must be an int64");
}

function cursorReply(namespace: string, id: number, key: "firstBatch" | "nextBatch", batch: Doc[]): Doc {
  // The driver reads the cursor id strictly as a BSON int64.
  return { cursor: { [key]: batch, id: Long.fromNumber(id), ns: namespace }, ok: 1 };
}
