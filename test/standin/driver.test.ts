import { MongoClient, ObjectId, type Collection, type Db } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";

interface Pet {
  _id?: ObjectId | string;
  name: string;
  kind: string;
  age: number;
  tags?: string[];
  seenAt?: Date;
}

let standin: MongoStandin;
let client: MongoClient;
let db: Db;
let pets: Collection<Pet>;

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
  pets = db.collection<Pet>("pets");
  await pets.drop();
  await pets.insertMany([
    { name: "Rex", kind: "dog", age: 5, tags: ["loud", "loyal"] },
    { name: "Tom", kind: "cat", age: 3, tags: ["quiet"] },
    { name: "Kit", kind: "cat", age: 1 },
    { name: "Bo", kind: "dog", age: 9, tags: ["loyal"] },
  ]);
});

describe("the official driver against the stand-in", () => {
  it("connects and answers ping on a standalone server", async () => {
    await expect(db.command({ ping: 1 })).resolves.toEqual({ ok: 1 });
    const hello = await db.admin().command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: true, maxWireVersion: 21, logicalSessionTimeoutMinutes: 30 });
    expect(hello.setName).toBeUndefined();
  });

  it("gives inserted documents an ObjectId _id and returns them in insertion order", async () => {
    const all = await pets.find().toArray();
    expect(all.map((pet) => pet.name)).toEqual(["Rex", "Tom", "Kit", "Bo"]);
    expect(all[0]?._id?.constructor.name).toBe("ObjectId");
    expect(Object.keys(all[0] ?? {})[0]).toBe("_id");
  });

  it("finds with a filter, projection, sort, skip and limit", async () => {
    const found = await pets
      .find({ age: { $gte: 2 } }, { projection: { _id: 0, name: 1 } })
      .sort({ age: -1 })
      .skip(1)
      .limit(2)
      .toArray();
    expect(found).toEqual([{ name: "Rex" }, { name: "Tom" }]);
  });

  it("applies the whole filter when it pins _id, by value or $in, alongside other conditions", async () => {
    const [rex, tom] = (await pets.find({ name: { $in: ["Rex", "Tom"] } }).sort({ name: 1 }).toArray()).map((pet) => pet._id ?? "");
    expect(await pets.findOne({ _id: rex, age: { $gt: 100 } })).toBeNull();
    expect((await pets.findOne({ _id: rex, kind: "dog" }))?.name).toBe("Rex");
    const listed = await pets.find({ _id: { $in: [rex ?? "", tom ?? "", rex ?? ""] }, kind: "cat" }).toArray();
    expect(listed.map((pet) => pet.name)).toEqual(["Tom"]);
  });

  it("keeps stored documents apart from the objects the caller inserted", async () => {
    const doc: Pet = { name: "Ace", kind: "fox", age: 2, tags: ["sly"] };
    await pets.insertOne(doc);
    doc.tags?.push("mutated");
    expect((await pets.findOne({ name: "Ace" }))?.tags).toEqual(["sly"]);
  });

  it("updates with operators and counts matched and modified documents", async () => {
    const result = await pets.updateMany(
      { kind: "cat" },
      { $inc: { age: 1 }, $addToSet: { tags: "indoor" }, $currentDate: { seenAt: true } },
    );
    expect(result).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    const tom = await pets.findOne({ name: "Tom" });
    expect(tom).toMatchObject({ age: 4, tags: ["quiet", "indoor"] });
    expect(tom?.seenAt).toBeInstanceOf(Date);

    const unchanged = await pets.updateOne({ name: "Tom" }, { $set: { age: 4 } });
    expect(unchanged).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it("upserts a document seeded from the filter's equality fields", async () => {
    const result = await pets.updateOne(
      { name: "Zed", "owner.city": "Lima", age: { $gt: 0 } },
      { $set: { kind: "owl" }, $setOnInsert: { age: 1 } },
      { upsert: true },
    );
    expect(result.upsertedCount).toBe(1);
    const zed = await pets.findOne({ _id: result.upsertedId ?? "none" }, { projection: { _id: 0 } });
    expect(zed).toEqual({ name: "Zed", owner: { city: "Lima" }, kind: "owl", age: 1 });

    const again = await pets.updateOne({ name: "Zed" }, { $set: { kind: "owl" }, $setOnInsert: { age: 99 } }, { upsert: true });
    expect(again).toMatchObject({ matchedCount: 1, modifiedCount: 0, upsertedCount: 0 });
  });

  it("upserts with the _id that $setOnInsert gives", async () => {
    const result = await pets.updateOne({ name: "Sid" }, { $setOnInsert: { _id: "sid-1", age: 2 }, $set: { kind: "yak" } }, { upsert: true });
    expect(result.upsertedId).toBe("sid-1");
    expect(await pets.findOne({ name: "Sid" })).toEqual({ _id: "sid-1", name: "Sid", kind: "yak", age: 2 });
  });

  it("replaces a document while keeping its _id", async () => {
    const rex = await pets.findOne({ name: "Rex" });
    await pets.replaceOne({ name: "Rex" }, { name: "Rex II", kind: "dog", age: 0 });
    expect(await pets.findOne({ _id: rex?._id })).toEqual({ _id: rex?._id, name: "Rex II", kind: "dog", age: 0 });
  });

  it("pushes to and pulls from arrays", async () => {
    await pets.updateOne({ name: "Bo" }, { $push: { tags: "old" } });
    await pets.updateOne({ name: "Bo" }, { $pull: { tags: "loyal" } });
    expect((await pets.findOne({ name: "Bo" }))?.tags).toEqual(["old"]);
  });

  it("finds one and updates it, returning the document before or after", async () => {
    const before = await pets.findOneAndUpdate({ kind: "dog" }, { $set: { age: 6 } }, { sort: { age: -1 } });
    expect(before).toMatchObject({ name: "Bo", age: 9 });
    const after = await pets.findOneAndUpdate({ name: "Bo" }, { $inc: { age: 1 } }, { returnDocument: "after", projection: { age: 1, _id: 0 } });
    expect(after).toEqual({ age: 7 });
    const upserted = await pets.findOneAndUpdate({ name: "New" }, { $set: { kind: "eel", age: 0 } }, { upsert: true, returnDocument: "after" });
    expect(upserted).toMatchObject({ name: "New", kind: "eel" });
    await expect(pets.findOneAndUpdate({ name: "Nobody" }, { $set: { age: 1 } })).resolves.toBeNull();
  });

  it("finds one and deletes it", async () => {
    const deleted = await pets.findOneAndDelete({ kind: "cat" }, { sort: { age: 1 } });
    expect(deleted?.name).toBe("Kit");
    expect(await pets.countDocuments({ kind: "cat" })).toBe(1);
  });

  it("deletes one or many documents", async () => {
    expect((await pets.deleteOne({ kind: "dog" })).deletedCount).toBe(1);
    expect((await pets.deleteMany({ age: { $lt: 5 } })).deletedCount).toBe(2);
    expect(await pets.find().map((pet) => pet.name).toArray()).toEqual(["Bo"]);
  });

  it("counts documents exactly and estimates the collection size", async () => {
    expect(await pets.countDocuments({ kind: "dog" })).toBe(2);
    expect(await pets.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect(await pets.estimatedDocumentCount()).toBe(4);
    expect(await db.collection("absent").countDocuments()).toBe(0);
  });

  it("lists distinct values, unwinding arrays", async () => {
    expect(await pets.distinct("kind")).toEqual(["dog", "cat"]);
    expect(await pets.distinct("tags", { kind: "dog" })).toEqual(["loud", "loyal"]);
  });

  it("runs an aggregation pipeline", async () => {
    const byKind = await pets
      .aggregate([{ $group: { _id: "$kind", total: { $sum: "$age" } } }, { $sort: { total: -1 } }])
      .toArray();
    expect(byKind).toEqual([
      { _id: "dog", total: 14 },
      { _id: "cat", total: 4 },
    ]);
  });

  it("serves a result larger than one batch through getMore", async () => {
    const many = db.collection<{ i: number }>("many");
    await many.drop();
    await many.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));
    standin.resetCounts();
    const all = await many.find({}, { batchSize: 100 }).sort({ i: 1 }).toArray();
    expect(all.map((doc) => doc.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(standin.commandCounts()).toEqual({ find: 1, getMore: 2 });
  });

  it("kills a cursor the caller closes early", async () => {
    const many = db.collection("many");
    const cursor = many.find({}, { batchSize: 10 });
    await cursor.next();
    standin.resetCounts();
    await cursor.close();
    expect(standin.commandCounts()).toEqual({ killCursors: 1 });
  });

  it("stores an unacknowledged write sent without a reply", async () => {
    await pets.insertOne({ name: "Quiet", kind: "mouse", age: 1 }, { writeConcern: { w: 0 } });
    await expect(pets.findOne({ name: "Quiet" })).resolves.toMatchObject({ kind: "mouse" });
  });

  it("creates, lists and drops collections and databases", async () => {
    const other = client.db("galleta_other");
    await other.createCollection("things");
    await expect(other.createCollection("things")).resolves.toBeDefined();
    expect(await other.listCollections({}, { nameOnly: true }).toArray()).toEqual([{ name: "things", type: "collection" }]);
    const { databases } = await client.db("admin").admin().listDatabases();
    expect(databases.map((entry) => entry.name)).toContain("galleta_other");
    await other.dropDatabase();
    expect(await other.listCollections().toArray()).toEqual([]);
  });
});
