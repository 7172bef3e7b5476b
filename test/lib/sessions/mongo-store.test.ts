import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoStore, TTL_INDEX } from "../../../lib/sessions/mongo-store.ts";
import { startTestMongo, type TestMongo } from "../../support/mongo.ts";
import { describeStatsContract, describeStoreContract } from "./store-contract.ts";

let mongo: TestMongo;
let shared: MongoStore;

beforeAll(async () => {
  mongo = await startTestMongo();
  shared = new MongoStore(mongo.db, "sessions");
});

afterAll(async () => {
  await mongo.stop();
});

describeStoreContract("MongoStore", () => shared);
describeStatsContract("MongoStore", async () => new MongoStore(mongo.db, `stats_${randomBytes(4).toString("hex")}`));

describe("MongoStore indexes", () => {
  it("creates TTL indexes on expiresAt and absoluteExpiresAt with expireAfterSeconds 0, and an index on userId", async () => {
    const store = new MongoStore(mongo.db, "indexed");
    await store.ensureIndexes();
    const indexes = await mongo.db.collection("indexed").listIndexes().toArray();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }),
        expect.objectContaining({ key: { absoluteExpiresAt: 1 }, expireAfterSeconds: 0 }),
        expect.objectContaining({ key: { userId: 1 } }),
      ]),
    );
    expect(await store.ttlIndex()).toMatchObject({ name: TTL_INDEX.name, expireAfterSeconds: 0 });
  });

  it("ensures its indexes once per instance, not once per request", async (context) => {
    const standin = mongo.standin;
    if (standin === undefined) return context.skip("needs the stand-in's command counter");
    const store = new MongoStore(mongo.db, "once");
    standin.resetCounts();
    for (let i = 0; i < 5; i += 1) await store.get("0".repeat(64), new Date());
    expect(standin.commandCounts()).toMatchObject({ createIndexes: 1, find: 5 });
  });

  it("lets the TTL monitor delete an expired session document and keep a live one", async (context) => {
    const standin = mongo.standin;
    if (standin === undefined) return context.skip("needs the stand-in's TTL switch");
    const store = new MongoStore(mongo.db, "ttl");
    const now = new Date();
    const base = { userId: null, data: {}, createdAt: now, lastSeenAt: now, absoluteExpiresAt: new Date(now.getTime() + 3_600_000), userAgent: null };
    await store.create({ ...base, key: "a".repeat(64), expiresAt: new Date(now.getTime() - 1000) });
    await store.create({ ...base, key: "b".repeat(64), expiresAt: new Date(now.getTime() + 3_600_000) });
    expect(await mongo.db.collection("ttl").countDocuments()).toBe(2);
    await standin.runTtlPass();
    expect(await mongo.db.collection("ttl").find().map((doc) => doc._id).toArray()).toEqual(["b".repeat(64)]);
  });
});
