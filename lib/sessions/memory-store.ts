import {
  assertChange,
  effectiveExpiry,
  isLive,
  type SessionChange,
  type SessionData,
  type SessionOwner,
  type SessionRecord,
  type SessionStats,
  type SessionStore,
  type SessionTouch,
} from "./session-store.ts";

/**
 * The lecture's memory storage, and the executable specification of SessionStore. Its sessions live
 * in this process only: they die with it (on serverless, at every cold start) and are not shared
 * between function instances, so two requests of one user may see different sessions. Use it for
 * tests and to demonstrate exactly that; galleta never picks it in production.
 */
export class MemoryStore<Data extends SessionData = SessionData> implements SessionStore<Data> {
  readonly #records = new Map<string, SessionRecord<Data>>();

  async create(record: SessionRecord<Data>): Promise<void> {
    if (this.#records.has(record.key)) throw new Error("a session with this key exists already");
    this.#records.set(record.key, structuredClone(record));
  }

  async get(key: string, now: Date): Promise<SessionRecord<Data> | null> {
    const record = this.#live(key, now);
    return record === undefined ? null : structuredClone(record);
  }

  async update(key: string, change: SessionChange, touch: SessionTouch, now: Date): Promise<SessionRecord<Data> | null> {
    const record = this.#live(key, now);
    if (record === undefined) return null;
    const data: SessionData = record.data;
    assertChange(change);
    for (const [field, value] of Object.entries(change.set ?? {})) data[field] = structuredClone(value);
    for (const field of change.unset ?? []) delete data[field];
    for (const [field, step] of Object.entries(change.inc ?? {})) {
      const current = data[field];
      if (current !== undefined && typeof current !== "number") {
        throw new TypeError(`cannot increment session field ${field}: it is not a number`);
      }
      data[field] = (current ?? 0) + step;
    }
    Object.assign(record, touch);
    return structuredClone(record);
  }

  async touch(key: string, touch: SessionTouch, now: Date): Promise<void> {
    const record = this.#live(key, now);
    if (record !== undefined) Object.assign(record, touch);
  }

  async destroy(key: string, owner?: SessionOwner): Promise<boolean> {
    const record = this.#records.get(key);
    if (record === undefined) return false;
    if (owner !== undefined && (record.userId !== owner.userId || !isLive(record, owner.now))) return false;
    return this.#records.delete(key);
  }

  async listByUser(userId: string, now: Date): Promise<SessionRecord<Data>[]> {
    return [...this.#records.values()]
      .filter((record) => record.userId === userId && isLive(record, now))
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())
      .map((record) => structuredClone(record));
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    let deleted = 0;
    for (const [key, record] of this.#records) {
      if (record.userId === userId && key !== exceptKey) {
        this.#records.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }

  async authenticate(key: string, at: Date, now: Date): Promise<SessionRecord<Data> | null> {
    const record = this.#live(key, now);
    if (record === undefined) return null;
    record.authenticatedAt = at;
    return structuredClone(record);
  }

  async findBeyond(userId: string, keep: number, keepKey: string, now: Date): Promise<string[]> {
    return [...this.#records.values()]
      .filter((record) => record.userId === userId && record.key !== keepKey && isLive(record, now))
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || (a.key < b.key ? -1 : 1))
      .slice(Math.max(0, keep - 1))
      .map((record) => record.key);
  }

  async destroyMany(keys: readonly string[]): Promise<number> {
    return keys.filter((key) => this.#records.delete(key)).length;
  }

  async stats(now: Date, bucketMs: number, buckets: number): Promise<SessionStats> {
    const expiryCounts = new Array<number>(buckets).fill(0);
    let active = 0;
    for (const record of this.#records.values()) {
      if (!isLive(record, now)) continue;
      active += 1;
      const bucket = Math.ceil((effectiveExpiry(record).getTime() - now.getTime()) / bucketMs) - 1;
      if (bucket < buckets) expiryCounts[bucket] = (expiryCounts[bucket] ?? 0) + 1;
    }
    return { active, expiryCounts };
  }

  #live(key: string, now: Date): SessionRecord<Data> | undefined {
    const record = this.#records.get(key);
    return record !== undefined && isLive(record, now) ? record : undefined;
  }
}
