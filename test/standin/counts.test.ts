import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";

let standin: MongoStandin;
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  standin = await startMongoStandin({ port: 0 });
  client = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 2000 });
  db = client.db("galleta_test");
  await db.command({ ping: 1 });
});

afterAll(async () => {
  await client.close();
  await standin.close();
});

beforeEach(() => standin.resetCounts());

describe("command counts", () => {
  it("counts exactly the commands the product sent, by name", async () => {
    const sessions = db.collection<{ _id: string; a?: number }>("sessions");
    await sessions.findOne({ _id: "abc" });
    expect(standin.commandCounts()).toEqual({ find: 1 });
    expect(standin.totalCommands()).toBe(1);

    await sessions.updateOne({ _id: "abc" }, { $set: { a: 1 } }, { upsert: true });
    await sessions.deleteOne({ _id: "abc" });
    expect(standin.commandCounts()).toEqual({ find: 1, update: 1, delete: 1 });
    expect(standin.totalCommands()).toBe(3);
  });

  it("leaves the driver's handshake and monitoring commands out", async () => {
    await db.command({ ping: 1 });
    await db.admin().command({ hello: 1 });
    await db.admin().command({ buildInfo: 1 });
    const fresh = new MongoClient(standin.uri, { serverSelectionTimeoutMS: 2000 });
    await fresh.connect();
    await fresh.close();
    expect(standin.commandCounts()).toEqual({});
    expect(standin.totalCommands()).toBe(0);
  });

  it("counts a command the stand-in refuses, since the product did send it", async () => {
    await db.command({ frobnicate: 1 }).catch(() => undefined);
    expect(standin.commandCounts()).toEqual({ frobnicate: 1 });
  });

  it("reports and resets the counts over the wire, without counting those two commands", async () => {
    await db.collection("sessions").findOne({});
    const admin = client.db("admin");
    await expect(admin.command({ standinCommandCounts: 1 })).resolves.toEqual({ counts: { find: 1 }, total: 1, ok: 1 });
    await expect(admin.command({ standinResetCounts: 1 })).resolves.toEqual({ ok: 1 });
    await expect(admin.command({ standinCommandCounts: 1 })).resolves.toEqual({ counts: {}, total: 0, ok: 1 });
    expect(standin.totalCommands()).toBe(0);
  });
});
