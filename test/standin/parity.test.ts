import { MongoClient, MongoServerError, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";

// Issue 9.3: each row of the divergences MongoDB's unified CRUD tests found, where the stand-in
// succeeded silently (or with another code) and MongoDB 8 answers as asserted here.

let standin: MongoStandin;
let client: MongoClient;
let db: Db;
// Untyped on purpose: the driver's types refuse most of the malformed updates these tests send.
const items = () => db.collection<{ _id: number; [field: string]: unknown }>("items");
const loose = () => db.collection<{ _id: unknown; [field: string]: unknown }>("loose");
const original = { _id: 1, name: "ada", tags: "not-an-array", a: { b: 5, list: [1, 2], nothing: null }, data: { n: 1 } };

beforeAll(async () => {
  standin = await startMongoStandin({ port: 0 });
  client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 2000 });
  db = client.db("galleta_test");
});

afterAll(async () => {
  await client.close();
  await standin.close();
});

beforeEach(async () => {
  await db.dropDatabase();
  await items().insertOne(original);
});

/** The error a promise rejects with, which must be MongoDB's own. */
async function failure(attempt: Promise<unknown>): Promise<MongoServerError> {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MongoServerError);
  return error as MongoServerError;
}

async function expectUnchanged(): Promise<void> {
  expect(await items().findOne({ _id: 1 })).toEqual(original);
}

describe("updates the stand-in used to apply as a silent no-op", () => {
  it.each<[string, Document, number, string]>([
    ["$inc on a string", { $inc: { name: 1 } }, 14, "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'name' of non-numeric type string"],
    ["$mul on a document", { $mul: { a: 2 } }, 14, "Cannot apply $mul to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type object"],
  ])("refuses %s with 14 TypeMismatch and changes nothing", async (_case, update, code, message) => {
    const error = await failure(items().updateOne({ _id: 1 }, update));
    expect(error).toMatchObject({ code, codeName: "TypeMismatch", message });
    await expectUnchanged();
  });

  it("refuses $inc by a non-number with 14 TypeMismatch while parsing, even when no document matches", async () => {
    const update: Document = { $inc: { "data.n": "1" } };
    await expect(items().updateOne({ _id: 99 }, update)).rejects.toMatchObject({
      code: 14,
      message: 'Cannot increment with non-numeric argument: {data.n: "1"}',
    });
    await expectUnchanged();
  });

  it.each<[string, Document, number, string]>([
    ["$push", { $push: { tags: "x" } }, 2, "The field 'tags' must be an array but is of type string in document {_id: 1}"],
    ["$push with $each and $slice", { $push: { tags: { $each: ["x"], $slice: -5 } } }, 2, "The field 'tags' must be an array but is of type string in document {_id: 1}"],
    ["$pull", { $pull: { tags: "x" } }, 2, "Cannot apply $pull to a non-array value"],
    ["$pullAll", { $pullAll: { name: ["x"] } }, 2, "Cannot apply $pullAll to a non-array value"],
    ["$addToSet", { $addToSet: { data: 1 } }, 2, "Cannot apply $addToSet to non-array field. Field named 'data' has non-array type object"],
    ["$pop", { $pop: { name: 1 } }, 14, "Path 'name' contains an element of non-array type 'string'"],
  ])("refuses %s on a non-array field with mongod's code and changes nothing", async (_case, update, code, message) => {
    const error = await failure(items().updateOne({ _id: 1 }, update));
    expect(error).toMatchObject({ code, message });
    await expectUnchanged();
  });

  it.each<[string, Document, string]>([
    ["inside a number", { $set: { "a.b.c": 1 } }, "Cannot create field 'c' in element {b: 5}"],
    ["inside null", { $inc: { "a.nothing.n": 1 } }, "Cannot create field 'n' in element {nothing: null}"],
    ["by name inside an array", { $set: { "a.list.first": 1 } }, "Cannot create field 'first' in element {list: [1,2]}"],
    ["inside a string, with $push", { $push: { "name.letters": "a" } }, "Cannot create field 'letters' in element {name: \"ada\"}"],
  ])("refuses to create a field %s with 28 PathNotViable and changes nothing", async (_case, update, message) => {
    const error = await failure(items().updateOne({ _id: 1 }, update));
    expect(error).toMatchObject({ code: 28, codeName: "PathNotViable", message });
    await expectUnchanged();
  });

  it("still creates missing fields, sets array elements by index and ignores removals on paths that cannot exist", async () => {
    const update: Document = { $set: { "a.list.1": 9, "data.deep.x": 1 }, $unset: { "a.b.c": "" }, $pull: { "a.b.z": 1 } };
    await items().updateOne({ _id: 1 }, update);
    expect(await items().findOne({ _id: 1 })).toEqual({ ...original, a: { b: 5, list: [1, 9], nothing: null }, data: { n: 1, deep: { x: 1 } } });
  });
});

describe("update documents that name a path twice", () => {
  it.each<[string, Document, string]>([
    ["$set and $unset of one field", { $set: { name: "x" }, $unset: { name: "" } }, "Updating the path 'name' would create a conflict at 'name'"],
    ["$set of a document and $inc inside it", { $set: { data: { n: 5 } }, $inc: { "data.n": 1 } }, "Updating the path 'data.n' would create a conflict at 'data'"],
    ["$inc inside a document, then $set of it", { $inc: { "data.n": 1 }, $set: { data: {} } }, "Updating the path 'data' would create a conflict at 'data'"],
    ["$rename onto a field also $set", { $rename: { name: "alias" }, $set: { alias: 1 } }, "Updating the path 'alias' would create a conflict at 'alias'"],
  ])("refuses %s with 40 ConflictingUpdateOperators, matched or not", async (_case, update, message) => {
    const error = await failure(items().updateOne({ _id: 1 }, update));
    expect(error).toMatchObject({ code: 40, codeName: "ConflictingUpdateOperators", message });
    await expect(items().updateOne({ _id: 2 }, update, { upsert: true })).rejects.toMatchObject({ code: 40 });
    await expect(items().findOneAndUpdate({ _id: 1 }, update)).rejects.toMatchObject({ code: 40 });
    await expectUnchanged();
    expect(await items().countDocuments()).toBe(1);
  });
});

describe("indexes", () => {
  it("refuses the same index name and key with another expireAfterSeconds with 85 IndexOptionsConflict, keeping the old TTL", async () => {
    await items().createIndex({ seenAt: 1 }, { expireAfterSeconds: 0 });
    const error = await failure(items().createIndex({ seenAt: 1 }, { expireAfterSeconds: 60 }));
    expect(error).toMatchObject({ code: 85, codeName: "IndexOptionsConflict" });
    expect(error.message).toMatch(/^An equivalent index already exists with the same name but different options\./);
    expect((await items().listIndexes().toArray())[1]).toMatchObject({ name: "seenAt_1", expireAfterSeconds: 0 });
  });
});

describe("hints", () => {
  it("refuses a hint naming no index with 2 BadValue, in reads and writes alike", async () => {
    await items().createIndex({ name: 1 });
    await expect(items().find({ name: "ada" }, { hint: "name_1" }).toArray()).resolves.toHaveLength(1);
    await expect(items().find({ name: "ada" }, { hint: { name: 1 } }).toArray()).resolves.toHaveLength(1);
    await expect(items().find({}, { hint: { $natural: 1 } }).toArray()).resolves.toHaveLength(1);
    const refusal = { code: 2, message: expect.stringContaining("hint provided does not correspond to an existing index") };
    await expect(items().find({}, { hint: "nope_1" }).toArray()).rejects.toMatchObject(refusal);
    await expect(items().find({}, { hint: { name: -1 } }).toArray()).rejects.toMatchObject(refusal);
    await expect(items().aggregate([], { hint: "nope_1" }).toArray()).rejects.toMatchObject(refusal);
    await expect(items().countDocuments({}, { hint: "nope_1" })).rejects.toMatchObject(refusal);
    await expect(items().updateOne({ _id: 1 }, { $set: { name: "x" } }, { hint: "nope_1" })).rejects.toMatchObject(refusal);
    await expect(items().deleteOne({ _id: 1 }, { hint: "nope_1" })).rejects.toMatchObject(refusal);
    await expect(items().findOneAndDelete({ _id: 1 }, { hint: { nope: 1 } })).rejects.toMatchObject(refusal);
    await expectUnchanged();
  });
});

describe("commands mongod's parser refuses", () => {
  it("refuses a command field no MongoDB knows with 40415, and one the stand-in lacks with 59 naming it", async () => {
    await expect(db.command({ find: "items", noSuchOption: 1 })).rejects.toMatchObject({
      code: 40415,
      codeName: "Location40415",
      message: "BSON field 'find.noSuchOption' is an unknown field.",
    });
    await expect(db.command({ update: "items", updates: [{ q: {}, u: { $set: { a: 1 } }, frob: 1 }] })).resolves.toMatchObject({
      writeErrors: [{ index: 0, code: 40415, errmsg: "BSON field 'update.updates.frob' is an unknown field." }],
    });
    await expect(db.command({ find: "items", collation: { locale: "fr" } })).rejects.toMatchObject({ code: 59, message: expect.stringContaining("'collation'") });
  });

  it("answers an unknown command with 59 and mongod's message", async () => {
    const error = await failure(db.command({ frobnicate: 1 }));
    expect(error).toMatchObject({ code: 59, codeName: "CommandNotFound", message: "no such command: 'frobnicate'" });
  });
});

describe("update pipelines", () => {
  it("keeps _id when the pipeline's stages drop it, as mongod does", async () => {
    const pipeline = [{ $replaceRoot: { newRoot: { fresh: true } } }, { $addFields: { n: 2 } }];
    await expect(items().updateOne({ _id: 1 }, pipeline)).resolves.toMatchObject({ modifiedCount: 1 });
    expect(await items().findOne({ _id: 1 })).toEqual({ _id: 1, fresh: true, n: 2 });
    await expect(items().findOneAndUpdate({ _id: 1 }, [{ $project: { _id: 0, n: 1 } }], { returnDocument: "after" })).resolves.toEqual({ _id: 1, n: 2 });
  });

  it("still refuses a pipeline that changes _id", async () => {
    await expect(items().updateOne({ _id: 1 }, [{ $set: { _id: 2 } }])).rejects.toMatchObject({ code: 66 });
  });
});

describe("field names starting with $", () => {
  it.each([
    ["at the top of _id", { _id: { $a: 1 } }, "$a"],
    ["deep inside _id", { _id: { k: [{ $b: 1 }] } }, "$b"],
  ])("refuses an insert with one %s with 52 DollarPrefixedFieldName and stores nothing", async (_case, doc, field) => {
    const error = await failure(loose().insertOne(doc));
    expect(error).toMatchObject({ code: 52, message: `_id fields may not contain '$'-prefixed fields: ${field} is not valid for storage.` });
    expect(await loose().countDocuments()).toBe(0);
  });

  it("refuses an upsert whose new _id holds one", async () => {
    const update: Document = { $setOnInsert: { _id: { $x: 1 } } };
    await expect(items().updateOne({ name: "new" }, update, { upsert: true })).rejects.toMatchObject({ code: 52 });
    expect(await items().countDocuments()).toBe(1);
  });

  // MongoDB 5.0+ (SERVER-49117): "Dollar ($) prefixed fields are permitted as top level and nested field names for inserts."
  it("stores them outside _id, at the top level or nested, as MongoDB 5.0 and later do", async () => {
    await loose().insertOne({ _id: 7, $price: 50, nested: { $inc: true } });
    expect(await loose().find().toArray()).toEqual([{ _id: 7, $price: 50, nested: { $inc: true } }]);
  });
});

describe("serverStatus", () => {
  it("counts open client connections as mongod does, and connections created since start", async () => {
    const admin = client.db("admin");
    const before = (await admin.command({ serverStatus: 1 })).connections as { current: number; available: number; totalCreated: number };
    expect(before.current).toBeGreaterThan(0);
    expect(before.available).toBe(1_000_000 - before.current);

    const other = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 2000 });
    await other.db("admin").command({ ping: 1 });
    const during = (await admin.command({ serverStatus: 1 })).connections as typeof before;
    expect(during.current).toBeGreaterThan(before.current);
    expect(during.totalCreated - before.totalCreated).toBe(during.current - before.current);

    await other.close();
    await vi.waitFor(async () => expect(((await admin.command({ serverStatus: 1 })).connections as typeof before).current).toBe(before.current));
  });

  it("is not counted as the product's work", async () => {
    standin.resetCounts();
    await client.db("admin").command({ serverStatus: 1 });
    expect(standin.totalCommands()).toBe(0);
  });
});

describe("$currentOp", () => {
  const connections = (appName: string) =>
    client.db("admin").aggregate([{ $currentOp: { idleConnections: true } }, { $match: { appName } }]).toArray();

  it("lists each open connection with the appName of its handshake, until it closes", async () => {
    const other = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 2000, appName: "parity-other" });
    await other.db("admin").command({ ping: 1 });
    const listed = await connections("parity-other");
    expect(listed.length).toBeGreaterThan(0);
    for (const op of listed) {
      expect(op).toMatchObject({ type: "op", active: false, desc: `conn${op.connectionId}`, clientMetadata: { application: { name: "parity-other" }, driver: { name: "nodejs" } } });
      expect(op.client).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    await other.close();
    await vi.waitFor(async () => expect(await connections("parity-other")).toEqual([]));
  });

  it("shows only the asking connection's own operation unless idleConnections is set", async () => {
    const ops = await client.db("admin").aggregate([{ $currentOp: {} }]).toArray();
    expect(ops).toEqual([expect.objectContaining({ active: true, op: "command", ns: "admin.$cmd.aggregate" })]);
  });

  it("answers as mongod outside the admin database, after the first stage, and for a second client metadata", async () => {
    await expect(db.aggregate([{ $currentOp: {} }]).toArray()).rejects.toMatchObject({ code: 73 });
    await expect(client.db("admin").aggregate([{ $match: {} }, { $currentOp: {} }]).toArray()).rejects.toMatchObject({ code: 40602 });
    await expect(client.db("admin").aggregate([{ $currentOp: { idleConnections: "yes" } }]).toArray()).rejects.toMatchObject({ code: 9 });
    await expect(client.db("admin").command({ hello: 1, client: { application: { name: "renamed" } } })).rejects.toMatchObject({ code: 186 });
  });

  it("is not counted as the product's work", async () => {
    standin.resetCounts();
    await connections("anything");
    expect(standin.totalCommands()).toBe(0);
  });
});
