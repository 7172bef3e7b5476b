import { bsonKey, overwrite, type Doc } from "./documents.ts";
import { CommandError } from "./errors.ts";
import { describeIndex, duplicateKeyError, ID_INDEX, indexKeys, sameIndex, sameKey, type IndexSpec } from "./indexes.ts";

interface Index {
  readonly spec: IndexSpec;
  /** Key → document, kept only for unique indexes: the one thing an in-memory scan cannot check cheaply. */
  readonly entries: Map<string, Doc> | undefined;
}

/** One collection: its documents in insertion order and its indexes, with uniqueness enforced on every write. */
export class Collection {
  readonly namespace: string;
  readonly #docs = new Set<Doc>();
  readonly #indexes = new Map<string, Index>();

  constructor(namespace: string) {
    this.namespace = namespace;
    this.#indexes.set(ID_INDEX.name, { spec: ID_INDEX, entries: new Map() });
  }

  get size(): number {
    return this.#docs.size;
  }

  /** The stored documents in insertion order. They are live: callers read them and never mutate them. */
  documents(): Doc[] {
    return [...this.#docs];
  }

  /** The stored document with this _id, through the _id index. */
  byId(id: unknown): Doc | undefined {
    return this.#indexes.get(ID_INDEX.name)?.entries?.get(bsonKey([id]));
  }

  indexes(): IndexSpec[] {
    return [...this.#indexes.values()].map((index) => index.spec);
  }

  /** Stores a document that already has its _id; throws E11000 and stores nothing on a duplicate. */
  insert(doc: Doc): void {
    this.#checkUnique(doc, undefined);
    this.#docs.add(doc);
    this.#index(doc);
  }

  /** Replaces a stored document's content in place, keeping its position; atomic on E11000. */
  replace(stored: Doc, next: Doc): void {
    this.#checkUnique(next, stored);
    this.#unindex(stored);
    overwrite(stored, next);
    this.#index(stored);
  }

  remove(stored: Doc): void {
    if (this.#docs.delete(stored)) this.#unindex(stored);
  }

  /**
   * Adds an index; false if this exact index exists. Conflicts answer as mongod does: 85 for the same
   * key under another name or the same name and key with other options (a changed TTL), 86 for a name taken by another key.
   */
  createIndex(spec: IndexSpec): boolean {
    for (const { spec: existing } of this.#indexes.values()) {
      if (sameIndex(existing, spec)) return false;
      const shown = `Requested index: ${describeIndex(spec)}, existing index: ${describeIndex(existing)}`;
      if (existing.name === spec.name && sameKey(existing, spec)) {
        throw new CommandError(85, `An equivalent index already exists with the same name but different options. ${shown}`);
      }
      if (existing.name === spec.name) throw new CommandError(86, `An existing index has the same name as the requested index. ${shown}`);
      if (sameKey(existing, spec)) throw new CommandError(85, `Index already exists with a different name: ${existing.name}`);
    }
    const index: Index = { spec, entries: spec.unique ? new Map() : undefined };
    for (const doc of this.#docs) {
      for (const key of indexKeys(spec, doc)) {
        if (index.entries?.has(key)) throw duplicateKeyError(this.namespace, spec, doc);
        index.entries?.set(key, doc);
      }
    }
    this.#indexes.set(spec.name, index);
    return true;
  }

  /** Drops an index by name; false if there is none. */
  dropIndex(name: string): boolean {
    return name !== ID_INDEX.name && this.#indexes.delete(name);
  }

  #checkUnique(doc: Doc, self: Doc | undefined): void {
    for (const { spec, entries } of this.#indexes.values()) {
      for (const key of entries ? indexKeys(spec, doc) : []) {
        const holder = entries?.get(key);
        if (holder !== undefined && holder !== self) throw duplicateKeyError(this.namespace, spec, doc);
      }
    }
  }

  #index(doc: Doc): void {
    for (const { spec, entries } of this.#indexes.values()) {
      for (const key of entries ? indexKeys(spec, doc) : []) entries?.set(key, doc);
    }
  }

  #unindex(doc: Doc): void {
    for (const { spec, entries } of this.#indexes.values()) {
      for (const key of entries ? indexKeys(spec, doc) : []) {
        if (entries?.get(key) === doc) entries.delete(key);
      }
    }
  }
}
