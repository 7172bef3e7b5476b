import type { Catalog } from "./catalog.ts";
import { valuesAt } from "./documents.ts";

/**
 * mongod's TTL monitor: every `sleepSecs` it deletes documents whose indexed date (the earliest,
 * for an array of dates) plus the index's expireAfterSeconds is past. Documents without a date stay.
 */
export class TtlMonitor {
  readonly #catalog: Catalog;
  readonly #now: () => number;
  #sleepSecs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(catalog: Catalog, now: () => number, sleepSecs: number) {
    this.#catalog = catalog;
    this.#now = now;
    this.#sleepSecs = sleepSecs;
  }

  get sleepSecs(): number {
    return this.#sleepSecs;
  }

  /** Changes the interval live, as `setParameter: 1, ttlMonitorSleepSecs: N` does on mongod. */
  set sleepSecs(secs: number) {
    this.#sleepSecs = secs;
    if (this.#timer !== undefined) this.start();
  }

  start(): void {
    this.stop();
    // unref: a forgotten stand-in must not keep a test process alive.
    this.#timer = setInterval(() => this.pass(), this.#sleepSecs * 1000).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One pass over every TTL index; returns how many documents it deleted. */
  pass(): number {
    const now = this.#now();
    let deleted = 0;
    for (const collection of this.#catalog.all()) {
      for (const { key, expireAfterSeconds } of collection.indexes()) {
        const field = Object.keys(key)[0];
        if (expireAfterSeconds === undefined || field === undefined) continue;
        for (const doc of collection.documents()) {
          const times = valuesAt(doc, field.split(".")).flatMap((value) => (value instanceof Date ? [value.getTime()] : []));
          if (times.length > 0 && Math.min(...times) + expireAfterSeconds * 1000 < now) {
            collection.remove(doc);
            deleted += 1;
          }
        }
      }
    }
    return deleted;
  }
}
