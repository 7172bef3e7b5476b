import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { SessionRecord, SessionStore } from "../../../lib/sessions/session-store.ts";

type Data = { visits?: number; theme?: string; cart?: string[] };

const MINUTE = 60_000;
const T0 = new Date("2026-01-01T00:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);

function record(overrides: Partial<SessionRecord<Data>> = {}): SessionRecord<Data> {
  return {
    key: randomBytes(32).toString("hex"),
    userId: null,
    data: {},
    createdAt: T0,
    lastSeenAt: T0,
    expiresAt: at(30),
    absoluteExpiresAt: at(600),
    userAgent: "test-agent",
    ...overrides,
  };
}

/**
 * The SessionStore contract: every store must pass it. `makeStore` is called once per test, so a
 * store may be shared (a collection) as long as keys are unique.
 */
export function describeStoreContract(name: string, makeStore: () => SessionStore<Data>): void {
  describe(`${name} (SessionStore contract)`, () => {
    it("returns a created session with every field intact", async () => {
      const store = makeStore();
      const created = record({ userId: "u1", data: { visits: 2, cart: ["a", "b"] } });
      await store.create(created);
      expect(await store.get(created.key, at(1))).toEqual(created);
    });

    it("returns null for a key it never stored", async () => {
      expect(await makeStore().get(randomBytes(32).toString("hex"), at(1))).toBeNull();
    });

    it("does not let a caller change a stored session by mutating what it got back", async () => {
      const store = makeStore();
      const created = record({ data: { cart: ["a"] } });
      await store.create(created);
      created.data.cart?.push("mutated");
      const read = await store.get(created.key, at(1));
      read?.data.cart?.push("mutated too");
      expect((await store.get(created.key, at(1)))?.data.cart).toEqual(["a"]);
    });

    it.each([
      ["at its idle expiry", { expiresAt: at(30) }, at(30)],
      ["past its idle expiry", { expiresAt: at(30) }, at(31)],
      ["past its absolute cap, though not idle", { expiresAt: at(700), absoluteExpiresAt: at(600) }, at(601)],
    ])("never returns a session %s", async (_case, overrides, now) => {
      const store = makeStore();
      const expired = record(overrides);
      await store.create(expired);
      expect(await store.get(expired.key, now)).toBeNull();
      expect(await store.update(expired.key, { inc: { visits: 1 } }, { lastSeenAt: now, expiresAt: at(1000) }, now)).toBeNull();
      await store.touch(expired.key, { lastSeenAt: now, expiresAt: at(1000) }, now);
      expect(await store.get(expired.key, now)).toBeNull();
    });

    it("applies set, unset and inc together and returns the session afterwards", async () => {
      const store = makeStore();
      const created = record({ data: { visits: 1, theme: "dark" } });
      await store.create(created);
      const touch = { lastSeenAt: at(5), expiresAt: at(35) };
      const updated = await store.update(created.key, { set: { cart: ["x"] }, unset: ["theme"], inc: { visits: 2 } }, touch, at(5));
      expect(updated).toMatchObject({ data: { visits: 3, cart: ["x"] }, ...touch });
      expect(updated?.data).not.toHaveProperty("theme");
      expect(await store.get(created.key, at(6))).toEqual(updated);
    });

    it("starts an increment of a missing field at zero", async () => {
      const store = makeStore();
      const created = record();
      await store.create(created);
      const updated = await store.update(created.key, { inc: { visits: 1 } }, { lastSeenAt: at(1), expiresAt: at(31) }, at(1));
      expect(updated?.data.visits).toBe(1);
    });

    // 200 round trips to the store at once: near vitest's default 5 s on a shared, loaded 2-core machine.
    it("loses none of 200 concurrent increments on one session", { timeout: 30_000 }, async () => {
      const store = makeStore();
      const created = record();
      await store.create(created);
      await Promise.all(
        Array.from({ length: 200 }, () => store.update(created.key, { inc: { visits: 1 } }, { lastSeenAt: at(1), expiresAt: at(31) }, at(1))),
      );
      expect((await store.get(created.key, at(2)))?.data.visits).toBe(200);
    });

    it("keeps both of two concurrent changes to different fields", async () => {
      const store = makeStore();
      const created = record();
      await store.create(created);
      const touch = { lastSeenAt: at(1), expiresAt: at(31) };
      await Promise.all([
        store.update(created.key, { set: { theme: "light" } }, touch, at(1)),
        store.update(created.key, { set: { cart: ["y"] } }, touch, at(1)),
      ]);
      expect((await store.get(created.key, at(2)))?.data).toEqual({ theme: "light", cart: ["y"] });
    });

    it.each([["data.visits"], ["$where"], ["__proto__"], ["a.b"], [""]])("refuses to update the field name %j", async (field) => {
      const store = makeStore();
      const created = record();
      await store.create(created);
      await expect(store.update(created.key, { set: { [field]: 1 } }, { lastSeenAt: at(1), expiresAt: at(31) }, at(1))).rejects.toThrow(TypeError);
    });

    it.each([
      [{ set: { visits: 5 }, inc: { visits: 1 } }],
      [{ set: { theme: "dark" }, unset: ["theme"] }],
      [{ unset: ["visits"], inc: { visits: 1 } }],
    ])("refuses a change that names one field twice (%j), as MongoDB does, and changes nothing", async (change) => {
      const store = makeStore();
      const created = record();
      await store.create(created);
      const before = await store.get(created.key, at(1));
      await expect(store.update(created.key, change, { lastSeenAt: at(1), expiresAt: at(31) }, at(1))).rejects.toThrow(TypeError);
      expect(await store.get(created.key, at(1))).toEqual(before);
    });

    it("moves the timestamps forward on touch", async () => {
      const store = makeStore();
      const created = record();
      await store.create(created);
      await store.touch(created.key, { lastSeenAt: at(20), expiresAt: at(50) }, at(20));
      expect(await store.get(created.key, at(40))).toMatchObject({ lastSeenAt: at(20), expiresAt: at(50) });
    });

    it("destroys a session, and with an owner named only that owner's live one", async () => {
      const store = makeStore();
      const created = record({ userId: "owner" });
      await store.create(created);
      expect(await store.destroy(created.key, { userId: "someone-else", now: at(1) })).toBe(false);
      expect(await store.destroy(created.key, { userId: "owner", now: at(30) })).toBe(false); // expired, not yet removed
      expect(await store.get(created.key, at(1))).not.toBeNull();
      expect(await store.destroy(created.key, { userId: "owner", now: at(1) })).toBe(true);
      expect(await store.get(created.key, at(1))).toBeNull();
      expect(await store.destroy(created.key)).toBe(false);
    });

    it("lists a user's live sessions, most recently used first, and no one else's", async () => {
      const store = makeStore();
      const userId = `user-${randomBytes(4).toString("hex")}`;
      const older = record({ userId, lastSeenAt: at(1) });
      const newer = record({ userId, lastSeenAt: at(2) });
      const expired = record({ userId, expiresAt: at(3) });
      await Promise.all([older, newer, expired, record({ userId: "other" })].map((each) => store.create(each)));
      expect((await store.listByUser(userId, at(4))).map((each) => each.key)).toEqual([newer.key, older.key]);
    });

    it("destroys every session of a user except the one kept", async () => {
      const store = makeStore();
      const userId = `user-${randomBytes(4).toString("hex")}`;
      const kept = record({ userId });
      const others = [record({ userId }), record({ userId })];
      const stranger = record({ userId: "stranger" });
      await Promise.all([kept, ...others, stranger].map((each) => store.create(each)));
      expect(await store.destroyByUser(userId, kept.key)).toBe(2);
      expect((await store.listByUser(userId, at(1))).map((each) => each.key)).toEqual([kept.key]);
      expect(await store.get(stranger.key, at(1))).not.toBeNull();
    });

    it("keeps authenticatedAt and remember as created, and records a new authentication on a live session only", async () => {
      const store = makeStore();
      const created = record({ userId: "u1", authenticatedAt: T0, remember: false });
      const expired = record({ userId: "u1", expiresAt: at(1) });
      await Promise.all([store.create(created), store.create(expired)]);
      expect(await store.get(created.key, at(1))).toMatchObject({ authenticatedAt: T0, remember: false });
      expect(await store.authenticate(created.key, at(5), at(5))).toMatchObject({ key: created.key, authenticatedAt: at(5) });
      expect((await store.get(created.key, at(6)))?.authenticatedAt).toEqual(at(5));
      expect(await store.authenticate(expired.key, at(5), at(5))).toBeNull();
    });

    it("finds a user's live sessions beyond the cap, least recently used, never the kept one nor another user's", async () => {
      const store = makeStore();
      const userId = `cap-${randomBytes(4).toString("hex")}`;
      const byAge = [4, 3, 2, 1].map((minute) => record({ userId, lastSeenAt: at(minute) }));
      const [newest, second, third, oldest] = byAge as [SessionRecord<Data>, SessionRecord<Data>, SessionRecord<Data>, SessionRecord<Data>];
      const kept = record({ userId, lastSeenAt: T0 });
      const expired = record({ userId, lastSeenAt: at(5), expiresAt: at(6) });
      const stranger = record({ userId: "stranger", lastSeenAt: T0 });
      await Promise.all([...byAge, kept, expired, stranger].map((each) => store.create(each)));
      // A cap of 3 keeps the kept one and the two most recent others.
      expect(await store.findBeyond(userId, 3, kept.key, at(7))).toEqual([third.key, oldest.key]);
      expect(await store.findBeyond(userId, 10, kept.key, at(7))).toEqual([]);
      expect(await store.destroyMany([third.key, oldest.key])).toBe(2);
      expect((await store.listByUser(userId, at(7))).map((each) => each.key)).toEqual([newest.key, second.key, kept.key]);
      expect(await store.destroyMany([])).toBe(0);
    });
  });
}

/** The stats part of the contract, for a store that starts empty. */
export function describeStatsContract(name: string, makeEmptyStore: () => Promise<SessionStore<Data>>): void {
  describe(`${name} stats`, () => {
    it("counts live sessions and buckets them by their effective expiry", async () => {
      const store = await makeEmptyStore();
      await Promise.all(
        [
          record({ expiresAt: at(2) }), // bucket 0: (0, 5] minutes
          record({ expiresAt: at(4) }), // bucket 0
          record({ expiresAt: at(12) }), // bucket 2
          record({ expiresAt: at(50), absoluteExpiresAt: at(7) }), // capped: bucket 1
          record({ expiresAt: at(20) }), // exactly at the horizon: the last bucket
          record({ expiresAt: at(200) }), // live, beyond the buckets
          record({ expiresAt: T0 }), // expired
        ].map((each) => store.create(each)),
      );
      expect(await store.stats(T0, 5 * MINUTE, 4)).toEqual({ active: 6, expiryCounts: [2, 1, 1, 1] });
    });
  });
}
