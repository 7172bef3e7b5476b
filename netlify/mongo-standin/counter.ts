import { isDocument, type Doc } from "./documents.ts";

// Handshake and monitoring traffic the driver sends on its own; counting it would make
// "this request cost N database round trips" depend on connection pooling and timing.
const DRIVER_OVERHEAD = new Set(["hello", "isMaster", "ismaster", "ping", "endSessions", "buildInfo", "buildinfo"]);
// Diagnostics tests send while measuring (the counters themselves; serverStatus and $currentOp, to
// count connections): counting or faulting them would disturb what they measure.
const DIAGNOSTICS = new Set(["standinCommandCounts", "standinResetCounts", "serverStatus"]);

/** Whether a command is the product's work: counted, and subject to injected faults. */
export function isProductCommand(command: Doc): boolean {
  const name = Object.keys(command)[0] ?? "";
  return !DRIVER_OVERHEAD.has(name) && !DIAGNOSTICS.has(name) && !listsConnections(command);
}

function listsConnections(command: Doc): boolean {
  const first: unknown = Array.isArray(command.pipeline) ? command.pipeline[0] : undefined;
  return command.aggregate === 1 && isDocument(first) && "$currentOp" in first;
}

/** Commands served since start or the last reset, by name. */
export class CommandCounter {
  readonly #counts = new Map<string, number>();

  /** Counts `command` under its name if it is the product's work. */
  add(command: Doc): void {
    const name = Object.keys(command)[0] ?? "";
    if (isProductCommand(command)) this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  total(): number {
    let total = 0;
    for (const count of this.#counts.values()) total += count;
    return total;
  }

  reset(): void {
    this.#counts.clear();
  }
}
