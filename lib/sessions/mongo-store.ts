import type { Collection, Db, Document, UpdateFilter } from "mongodb";
import { indexesOnce, storeCall } from "../runtime/mongo.ts";
import {
  assertChange,
  type SessionChange,
  type SessionData,
  type SessionOwner,
  type SessionRecord,
  type SessionStats,
  type SessionStore,
  type SessionTouch,
} from "./session-store.ts";

/** A session as stored in MongoDB: `_id` is the SHA-256 of the session id. */
export type SessionDocument<Data extends SessionData = SessionData> = Omit<SessionRecord<Data>, "key"> & { _id: string };

/** The TTL index: MongoDB deletes a session once `expiresAt` has passed (expireAfterSeconds 0). */
export const TTL_INDEX = Object.freeze({ name: "expiresAt_ttl", key: { expiresAt: 1 }, expireAfterSeconds: 0 });
/**
 * A second TTL index for the absolute cap: a write may move `expiresAt` past `absoluteExpiresAt`
 * (it does not read the cap first), and the document must still go once the cap has passed.
 */
export const ABSOLUTE_TTL_INDEX = Object.freeze({ name: "absoluteExpiresAt_ttl", key: { absoluteExpiresAt: 1 }, expireAfterSeconds: 0 });
const USER_INDEX = { name: "userId_1", key: { userId: 1 } };

/**
 * Sessions in a MongoDB collection (Atlas in production). Every operation is one database command;
 * the indexes are ensured once per instance, on first use. Reads filter on both expiries because
 * the TTL monitor only runs about once a minute.
 */
export class MongoStore<Data extends SessionData = SessionData> implements SessionStore<Data> {
  readonly #collection: Collection<SessionDocument<Data>>;
  /** Creates the two TTL indexes and the userId index once (idempotent); retried on the next call if it failed. */
  readonly ensureIndexes: () => Promise<void>;

  constructor(db: Db, collectionName = "sessions") {
    this.#collection = db.collection<SessionDocument<Data>>(collectionName);
    this.ensureIndexes = indexesOnce(this.#collection, [TTL_INDEX, ABSOLUTE_TTL_INDEX, USER_INDEX]);
  }

  /**
   * Runs one operation alongside the first `ensureIndexes` instead of after it: none of these indexes
   * is unique, so an operation is correct before they exist, and a cold instance's first request
   * costs one round trip instead of two. Warm, the resolved promise costs nothing.
   */
  async #call<T>(operation: () => Promise<T>): Promise<T> {
    const [, result] = await Promise.all([this.ensureIndexes(), storeCall(operation)]);
    return result;
  }

  /** The idle-expiry TTL index as the database reports it, or null if it is missing. */
  async ttlIndex(): Promise<Document | null> {
    await this.ensureIndexes();
    const indexes = await storeCall(() => this.#collection.listIndexes().toArray());
    return indexes.find((index) => index.name === TTL_INDEX.name) ?? null;
  }

  async create(record: SessionRecord<Data>): Promise<void> {
    await this.#call(() => this.#collection.insertOne(toDocument(record)));
  }

  async get(key: string, now: Date): Promise<SessionRecord<Data> | null> {
    const document = await this.#call(() => this.#collection.findOne(liveFilter(key, now)));
    return document === null ? null : toRecord(document);
  }

  async update(key: string, change: SessionChange, touch: SessionTouch, now: Date): Promise<SessionRecord<Data> | null> {
    const document = await this.#call(() =>
      this.#collection.findOneAndUpdate(liveFilter(key, now), toUpdate(change, touch), { returnDocument: "after" }),
    );
    return document === null ? null : toRecord(document);
  }

  async touch(key: string, touch: SessionTouch, now: Date): Promise<void> {
    await this.#call(() => this.#collection.updateOne(liveFilter(key, now), { $set: touch }));
  }

  async destroy(key: string, owner?: SessionOwner): Promise<boolean> {
    const filter = owner === undefined ? { _id: key } : { ...liveFilter(key, owner.now), userId: owner.userId };
    const result = await this.#call(() => this.#collection.deleteOne(filter));
    return result.deletedCount === 1;
  }

  async listByUser(userId: string, now: Date): Promise<SessionRecord<Data>[]> {
    const documents = await this.#call(() =>
      this.#collection
        .find({ userId, expiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } })
        .sort({ lastSeenAt: -1 })
        .limit(100)
        .toArray(),
    );
    return documents.map(toRecord);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    const filter = exceptKey === undefined ? { userId } : { userId, _id: { $ne: exceptKey } };
    const result = await this.#call(() => this.#collection.deleteMany(filter));
    return result.deletedCount;
  }

  async authenticate(key: string, at: Date, now: Date): Promise<SessionRecord<Data> | null> {
    const document = await this.#call(() =>
      this.#collection.findOneAndUpdate(liveFilter(key, now), { $set: { authenticatedAt: at } }, { returnDocument: "after" }),
    );
    return document === null ? null : toRecord(document);
  }

  /**
   * One query, projecting only `_id`. Each log-in runs it after its own insert, so the last check of
   * any number of concurrent log-ins sees every insert, and once they have all deleted what they
   * found at most `keep` remain.
   */
  async findBeyond(userId: string, keep: number, keepKey: string, now: Date): Promise<string[]> {
    const beyond = await this.#call(() =>
      this.#collection
        .find(
          { userId, _id: { $ne: keepKey }, expiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } },
          { projection: { _id: 1 } },
        )
        // _id breaks ties, so concurrent checks agree on the order of sessions last seen at the same instant.
        .sort({ lastSeenAt: -1, _id: 1 })
        .skip(Math.max(0, keep - 1))
        .toArray(),
    );
    return beyond.map((document) => document._id);
  }

  async destroyMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const result = await this.#call(() => this.#collection.deleteMany({ _id: { $in: [...keys] } }));
    return result.deletedCount;
  }

  async stats(now: Date, bucketMs: number, buckets: number): Promise<SessionStats> {
    // One aggregation: group live sessions by the index of the bucket their expiry falls in; buckets
    // are closed at the top, (i·bucket, (i+1)·bucket], so an expiry exactly at the horizon counts.
    const groups = await this.#call(() =>
      this.#collection
        .aggregate<{ _id: number; count: number }>([
          { $match: { expiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } } },
          {
            $group: {
              _id: {
                $subtract: [
                  { $ceil: { $divide: [{ $subtract: [{ $min: ["$expiresAt", "$absoluteExpiresAt"] }, now] }, bucketMs] } },
                  1,
                ],
              },
              count: { $sum: 1 },
            },
          },
        ])
        .toArray(),
    );
    const expiryCounts = new Array<number>(buckets).fill(0);
    let active = 0;
    for (const group of groups) {
      active += group.count;
      if (group._id < buckets) expiryCounts[group._id] = group.count;
    }
    return { active, expiryCounts };
  }
}

function liveFilter(key: string, now: Date) {
  return { _id: key, expiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } };
}

function toUpdate<Data extends SessionData>(change: SessionChange, touch: SessionTouch): UpdateFilter<SessionDocument<Data>> {
  assertChange(change);
  const $set: Document = { ...touch };
  for (const [field, value] of Object.entries(change.set ?? {})) $set[`data.${field}`] = value;
  const update: Document = { $set };
  if (change.unset !== undefined && change.unset.length > 0) {
    update.$unset = Object.fromEntries(change.unset.map((field) => [`data.${field}`, ""]));
  }
  if (change.inc !== undefined && Object.keys(change.inc).length > 0) {
    update.$inc = Object.fromEntries(
      Object.entries(change.inc).map(([field, step]) => [`data.${field}`, step]),
    );
  }
  return update;
}

function toDocument<Data extends SessionData>(record: SessionRecord<Data>): SessionDocument<Data> {
  const { key, ...rest } = record;
  return { _id: key, ...rest };
}

function toRecord<Data extends SessionData>(document: SessionDocument<Data>): SessionRecord<Data> {
  const { _id, ...rest } = document;
  return { key: _id, ...rest };
}
