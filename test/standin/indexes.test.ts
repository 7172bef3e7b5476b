import { MongoBulkWriteError, MongoClient, MongoServerError, type Db } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";

const HOUR = 3_600_000;
let clock = Date.parse("2030-01-01T00:00:00Z");
let standin: MongoStandin;
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  standin = await startMongoStandin({ port: 0, now: () => clock });
  client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 2000 });
  db = client.db("galleta_test");
});

afterAll(async () => {
  await client.close();
  await standin.close();
});

beforeEach(async () => {
  await db.dropDatabase();
});

describe("TTL indexes", () => {
  const sessions = () => db.collection<{ _id: string; expiresAt: Date | Date[] | string }>("sessions");

  beforeEach(async () => {
    await sessions().createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    await sessions().insertMany([
      { _id: "expired", expiresAt: new Date(clock - HOUR) },
      { _id: "live", expiresAt: new Date(clock + HOUR) },
      { _id: "one-date-past", expiresAt: [new Date(clock + HOUR), new Date(clock - HOUR)] },
      { _id: "not-a-date", expiresAt: "yesterday" },
    ]);
  });

  it("shows a TTL index in listIndexes", async () => {
    expect(await sessions().listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: "_id_" },
      { v: 2, key: { expiresAt: 1 }, name: "expiresAt_1", expireAfterSeconds: 0 },
    ]);
  });

  it("removes expired documents in a pass, judging an array of dates by its earliest, and keeps the rest", async () => {
    await expect(standin.runTtlPass()).resolves.toBe(2);
    const left = await sessions().find().map((doc) => doc._id).toArray();
    expect(left).toEqual(["live", "not-a-date"]);
  });

  it("expires a document once the clock passes its date plus expireAfterSeconds", async () => {
    await sessions().createIndex({ touchedAt: 1 }, { expireAfterSeconds: 60 });
    await db.collection<{ _id: string; touchedAt: Date }>("sessions").insertOne({ _id: "idle", touchedAt: new Date(clock - 30_000) });
    await standin.runTtlPass();
    expect(await sessions().findOne({ _id: "idle" })).not.toBeNull();
    clock += 31_000;
    await standin.runTtlPass();
    expect(await sessions().findOne({ _id: "idle" })).toBeNull();
    clock -= 31_000;
  });

  it("runs passes on its timer at the interval setParameter sets", async () => {
    const admin = client.db("admin");
    await expect(admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 })).resolves.toMatchObject({ ttlMonitorSleepSecs: 60 });
    await expect(admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1 })).resolves.toEqual({ was: 60, ok: 1 });
    try {
      await vi.waitFor(async () => expect(await sessions().findOne({ _id: "expired" })).toBeNull(), { timeout: 5000, interval: 100 });
      expect(await sessions().findOne({ _id: "live" })).not.toBeNull();
    } finally {
      await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 60 });
    }
  });
});

describe("unique indexes", () => {
  const users = () => db.collection<{ _id?: string; email: string; name?: string }>("users");

  beforeEach(async () => {
    await users().createIndex({ email: 1 }, { unique: true });
    await users().insertMany([{ email: "ana@example.com" }, { email: "bo@example.com" }]);
  });

  it("refuses a duplicate insert with E11000, naming the index and the key", async () => {
    const error = await users()
      .insertOne({ email: "ana@example.com" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: "ana@example.com" } });
    expect((error as Error).message).toBe(
      'E11000 duplicate key error collection: galleta_test.users index: email_1 dup key: { email: "ana@example.com" }',
    );
  });

  it("refuses an update, an upsert or a findAndModify that would duplicate a key, leaving data unchanged", async () => {
    await expect(users().updateOne({ email: "bo@example.com" }, { $set: { email: "ana@example.com" } })).rejects.toMatchObject({
      code: 11000,
    });
    await expect(users().updateOne({ name: "new" }, { $set: { email: "bo@example.com" } }, { upsert: true })).rejects.toMatchObject({
      code: 11000,
    });
    await expect(users().findOneAndUpdate({ email: "bo@example.com" }, { $set: { email: "ana@example.com" } })).rejects.toMatchObject({
      code: 11000,
    });
    expect(await users().find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ email: "ana@example.com" }, { email: "bo@example.com" }]);
  });

  it("refuses a duplicate _id", async () => {
    await users().insertOne({ _id: "same", email: "c@example.com" });
    await expect(users().insertOne({ _id: "same", email: "d@example.com" })).rejects.toMatchObject({ code: 11000 });
  });

  it("inserts the rest of an unordered batch and reports the duplicate by its index", async () => {
    const error = await users()
      .insertMany([{ email: "c@example.com" }, { email: "ana@example.com" }, { email: "d@example.com" }], { ordered: false })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.insertedCount).toBe(2);
    expect(bulk.writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
  });

  it("stops an ordered batch at the first duplicate", async () => {
    await expect(users().insertMany([{ email: "c@example.com" }, { email: "ana@example.com" }, { email: "d@example.com" }])).rejects.toMatchObject({
      insertedCount: 1,
    });
    expect(await users().countDocuments()).toBe(3);
  });

  it("treats creating the same index again as a no-op and a different index under the same name as a conflict", async () => {
    await expect(users().createIndex({ email: 1 }, { unique: true })).resolves.toBe("email_1");
    await expect(users().createIndex({ email: -1 }, { name: "email_1" })).rejects.toMatchObject({ code: 86 });
    await expect(users().createIndex({ email: 1 }, { name: "other" })).rejects.toMatchObject({ code: 85 });
  });

  it("refuses to build a unique index over existing duplicates", async () => {
    await users().insertOne({ email: "x@example.com", name: "twin" });
    await users().insertOne({ email: "y@example.com", name: "twin" });
    await expect(users().createIndex({ name: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    expect((await users().listIndexes().toArray()).map((index) => index.name)).toEqual(["_id_", "email_1"]);
  });

  it("drops an index, after which duplicates are allowed", async () => {
    await users().dropIndex("email_1");
    await expect(users().insertOne({ email: "ana@example.com" })).resolves.toMatchObject({ acknowledged: true });
  });
});
