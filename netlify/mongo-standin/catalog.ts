import { Collection } from "./collection.ts";

/** Every database and its collections, all in memory; a database exists while it has a collection. */
export class Catalog {
  readonly #databases = new Map<string, Map<string, Collection>>();

  get(db: string, name: string): Collection | undefined {
    return this.#databases.get(db)?.get(name);
  }

  /** The collection, created if missing: on first write or createIndexes, and by `create`. */
  obtain(db: string, name: string): Collection {
    const existing = this.get(db, name);
    if (existing !== undefined) return existing;
    const collections = this.#databases.get(db) ?? new Map<string, Collection>();
    const collection = new Collection(`${db}.${name}`);
    this.#databases.set(db, collections.set(name, collection));
    return collection;
  }

  /** Removes a collection and returns it, or undefined if there was none. */
  drop(db: string, name: string): Collection | undefined {
    const collections = this.#databases.get(db);
    const collection = collections?.get(name);
    collections?.delete(name);
    if (collections?.size === 0) this.#databases.delete(db);
    return collection;
  }

  dropDatabase(db: string): void {
    this.#databases.delete(db);
  }

  databaseNames(): string[] {
    return [...this.#databases.keys()];
  }

  /** The collections of one database by name, in creation order. */
  collections(db: string): Map<string, Collection> {
    return this.#databases.get(db) ?? new Map();
  }

  /** Every collection of every database, for the TTL monitor. */
  *all(): Iterable<Collection> {
    for (const collections of this.#databases.values()) yield* collections.values();
  }
}
