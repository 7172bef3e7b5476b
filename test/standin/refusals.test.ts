import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";

let standin: MongoStandin;
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  standin = await startMongoStandin({ port: 0 });
  client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 2000 });
  db = client.db("galleta_test");
});

afterAll(async () => {
  await client.close();
  await standin.close();
});

const notImplemented = (what: string) => ({
  code: 59,
  codeName: "CommandNotFound",
  message: `galleta's MongoDB stand-in does not implement ${what}; use a real MongoDB (MONGODB_URI) for this`,
});

describe("what the stand-in refuses instead of pretending", () => {
  it("refuses a transaction loudly and writes nothing", async () => {
    const session = client.startSession();
    try {
      const attempt = session.withTransaction(async () => {
        await db.collection("ledger").insertOne({ amount: 1 }, { session });
      });
      await expect(attempt).rejects.toMatchObject(notImplemented("transactions (startTransaction/autocommit: false)"));
    } finally {
      await session.endSession();
    }
    expect(await db.collection("ledger").countDocuments()).toBe(0);
  });

  it.each([
    ["a collation", () => db.collection("c").find({}, { collation: { locale: "fr" } }).toArray(), "the find option 'collation'"],
    ["a capped collection", () => db.createCollection("capped", { capped: true, size: 1024 }), "the create option 'capped'"],
    ["a text index", () => db.collection("c").createIndex({ body: "text" }), '"text" indexes'],
    ["a sparse index", () => db.collection("c").createIndex({ a: 1 }, { sparse: true }), "the index option 'sparse'"],
    ["an $out stage", () => db.collection("c").aggregate([{ $out: "copy" }]).toArray(), "the $out stage"],
    ["idle cursors in $currentOp", () => client.db("admin").aggregate([{ $currentOp: { idleCursors: true } }]).toArray(), "the $currentOp option 'idleCursors'"],
  ])("refuses %s with code 59", async (_what, run, what) => {
    await expect(run()).rejects.toMatchObject(notImplemented(what));
  });

  it("refuses server-side JavaScript and operators mingo lacks with code 59", async () => {
    await expect(db.collection("c").find({ $where: "this.a > 1" }).toArray()).rejects.toMatchObject({ code: 59 });
    await expect(db.collection("c").find({ loc: { $near: [0, 0] } }).toArray()).rejects.toMatchObject({ code: 59 });
  });

  it("answers bad input to a known command with mongod's error, not code 59", async () => {
    const c = db.collection<{ _id: number; a?: number }>("c");
    await expect(db.command({ update: "c", updates: [{ q: {}, u: { $frob: { a: 1 } } }] })).resolves.toMatchObject({
      writeErrors: [{ index: 0, code: 9 }],
    });
    await expect(db.command({ find: "c", filter: "not a document" })).rejects.toMatchObject({ code: 14 });
    await expect(db.collection("c").listIndexes().toArray()).rejects.toMatchObject({ code: 26 });
    await c.insertOne({ _id: 1 });
    await expect(c.updateOne({ _id: 1 }, { $set: { _id: 2 } })).rejects.toMatchObject({ code: 66 });
    await expect(db.command({ update: "c", updates: [{ q: { _id: 1 }, u: { _id: 2 } }] })).resolves.toMatchObject({
      writeErrors: [{ index: 0, code: 66 }],
    });
    await expect(c.updateOne({ _id: 1 }, { $set: { _id: 1, a: 1 } })).resolves.toMatchObject({
      modifiedCount: 1,
    });
  });
});
