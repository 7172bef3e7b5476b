import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CookieJar } from "../../../lib/cookies/cookie-jar.ts";
import { MemoryStore } from "../../../lib/sessions/memory-store.ts";
import { SessionCookieCache } from "../../../lib/sessions/session-cache.ts";
import { SessionManager, type SessionPolicy } from "../../../lib/sessions/sessions.ts";
import type { SessionData, SessionRecord } from "../../../lib/sessions/session-store.ts";

const SECRET = "s".repeat(40);
const OLD_SECRET = "o".repeat(40);
const MINUTE = 60_000;
/** How the plain session read (`GET /api/session`) asks for the cached copy; every other read goes to the store. */
const CACHED = { cached: true } as const;
const policy: SessionPolicy = { idleTimeoutMs: 30 * MINUTE, absoluteTimeoutMs: 120 * MINUTE, touchAfterMs: MINUTE };

/** A settable clock, so expiry is tested to the millisecond without waiting. */
function fakeClock(start = Date.parse("2026-03-01T12:00:00Z")) {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A store that counts what it is asked to do. */
class CountingStore<Data extends SessionData> extends MemoryStore<Data> {
  calls: string[] = [];
  override async get(...args: Parameters<MemoryStore<Data>["get"]>) {
    this.calls.push("get");
    return super.get(...args);
  }
  override async touch(...args: Parameters<MemoryStore<Data>["touch"]>) {
    this.calls.push("touch");
    return super.touch(...args);
  }
  override async update(...args: Parameters<MemoryStore<Data>["update"]>) {
    this.calls.push("update");
    return super.update(...args);
  }
}

/** One browser: keeps the cookies a jar sets and sends them back on the next request. */
class Browser {
  cookies = new Map<string, string>();
  readonly origin: string;
  constructor(origin = "http://localhost") {
    this.origin = origin;
  }
  jar(secrets: readonly string[] = [SECRET]): CookieJar {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    return new CookieJar(new Request(this.origin, { headers: cookie ? { cookie } : {} }), secrets);
  }
  keep(jar: CookieJar): string[] {
    const headers = new Headers();
    jar.applyTo(headers);
    const lines = headers.getSetCookie();
    for (const line of lines) {
      const [pair = ""] = line.split(";");
      const [name = "", value = ""] = pair.split("=");
      if (/Max-Age=0(;|$)/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return lines;
  }
}

function setup(options: { cacheMs?: number } = {}) {
  const clock = fakeClock();
  const store = new CountingStore<{ visits?: number }>();
  const cache = options.cacheMs ? new SessionCookieCache<{ visits?: number }>([SECRET], options.cacheMs) : undefined;
  const sessions = new SessionManager(store, policy, { now: clock.now, cache });
  return { clock, store, sessions, browser: new Browser() };
}

async function login(context: ReturnType<typeof setup>, userId = "user-1"): Promise<SessionRecord<{ visits?: number }>> {
  const jar = context.browser.jar();
  const created = await context.sessions.create(jar, { userId, data: {}, userAgent: "ua" });
  context.browser.keep(jar);
  return created;
}

describe("SessionManager", () => {
  it("sends a signed session cookie that names the session, and stores only the SHA-256 of the id", async () => {
    const context = setup();
    const created = await login(context);
    const raw = decodeURIComponent(context.browser.cookies.get("sid") ?? "");
    const id = /^s:([A-Za-z0-9_-]{43})\./.exec(raw)?.[1] ?? "";
    expect(id).toHaveLength(43);
    expect(created.key).toBe(createHash("sha256").update(id).digest("hex"));
    expect(created.key).not.toContain(id);
  });

  it("names the cookie __Host-Http-sid and marks it Secure over HTTPS, with HttpOnly, SameSite=Lax and Path=/", async () => {
    const context = setup();
    const browser = new Browser("https://galleta.example");
    const jar = browser.jar();
    await context.sessions.create(jar, { userId: null, data: {}, userAgent: null });
    const [line] = browser.keep(jar);
    expect(line).toMatch(/^__Host-Http-sid=s:/);
    expect(line).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it("treats x-forwarded-proto: https as HTTPS, as behind Netlify's proxy", () => {
    const jar = new CookieJar(new Request("http://internal", { headers: { "x-forwarded-proto": "https" } }), [SECRET]);
    expect(jar.secure).toBe(true);
  });

  it("reads the session back from the cookie", async () => {
    const context = setup();
    const created = await login(context);
    expect((await context.sessions.read(context.browser.jar()))?.key).toBe(created.key);
  });

  it.each([
    ["a tampered cookie", (value: string) => value.replace(/^s:./, (start) => (start === "s:X" ? "s:Y" : "s:X"))],
    ["a truncated signature", (value: string) => value.slice(0, -4)],
    ["an unsigned id", (value: string) => decodeURIComponent(value).slice(2).split(".")[0] ?? ""],
    ["garbage", () => "%%%not-a-cookie"],
  ])("treats %s as no session and clears it", async (_case, mutate) => {
    const context = setup();
    await login(context);
    context.browser.cookies.set("sid", mutate(context.browser.cookies.get("sid") ?? ""));
    const jar = context.browser.jar();
    expect(await context.sessions.read(jar)).toBeNull();
    expect(context.browser.keep(jar)).toEqual([expect.stringMatching(/^sid=; Max-Age=0/)]);
  });

  it("keeps users logged in across a secret rotation, and logs out exactly the sessions signed only with a removed secret", async () => {
    const context = setup();
    const oldJar = context.browser.jar([OLD_SECRET]);
    const before = await context.sessions.create(oldJar, { userId: "u", data: {}, userAgent: null });
    context.browser.keep(oldJar);
    const newBrowser = new Browser();
    const newJar = newBrowser.jar([SECRET, OLD_SECRET]);
    const after = await context.sessions.create(newJar, { userId: "u", data: {}, userAgent: null });
    newBrowser.keep(newJar);

    expect((await context.sessions.read(context.browser.jar([SECRET, OLD_SECRET])))?.key).toBe(before.key);
    expect(await context.sessions.read(context.browser.jar([SECRET]))).toBeNull();
    expect((await context.sessions.read(newBrowser.jar([SECRET])))?.key).toBe(after.key);
  });

  it("answers a stream of reads within the touch window with reads only, no writes", async () => {
    const context = setup();
    await login(context);
    context.store.calls = [];
    for (let i = 0; i < 10; i += 1) {
      context.clock.advance(5_000);
      await context.sessions.read(context.browser.jar());
    }
    expect(context.store.calls).toEqual(Array(10).fill("get"));
  });

  it("extends the idle expiry lazily, at most once per touch window, and re-sends the cookie then", async () => {
    const context = setup();
    const created = await login(context);
    context.store.calls = [];
    context.clock.advance(MINUTE);
    const jar = context.browser.jar();
    const read = await context.sessions.read(jar);
    expect(context.store.calls).toEqual(["get", "touch"]);
    expect(read?.expiresAt.getTime()).toBe(created.expiresAt.getTime() + MINUTE);
    expect(context.browser.keep(jar)).toEqual([expect.stringMatching(/^sid=s:.*Max-Age=\d+/)]);
  });

  it("refuses a session the moment it passes its idle timeout", async () => {
    const context = setup();
    await login(context);
    context.clock.advance(30 * MINUTE - 1);
    expect(await context.sessions.read(context.browser.jar())).not.toBeNull();
    context.clock.advance(30 * MINUTE);
    expect(await context.sessions.read(context.browser.jar())).toBeNull();
  });

  it("refuses a session at its absolute cap however active it is", async () => {
    const context = setup();
    await login(context);
    for (let minute = 0; minute < 119; minute += 10) {
      expect(await context.sessions.read(context.browser.jar())).not.toBeNull();
      context.clock.advance(10 * MINUTE);
    }
    // 120 minutes after login: active all along, yet past the cap.
    expect(await context.sessions.read(context.browser.jar())).toBeNull();
  });

  it("never extends the idle expiry past the absolute cap", async () => {
    const context = setup();
    await login(context);
    context.clock.advance(110 * MINUTE - 1);
    const read = await context.sessions.read(context.browser.jar());
    expect(read).toBeNull(); // idle for 110 minutes
    const again = setup();
    const created = await login(again);
    for (let i = 0; i < 11; i += 1) {
      again.clock.advance(10 * MINUTE);
      await again.sessions.read(again.browser.jar());
    }
    const late = await again.sessions.read(again.browser.jar());
    expect(late?.expiresAt.getTime()).toBe(created.absoluteExpiresAt.getTime());
  });

  it("regenerates under a new id with the same data and deletes the old session (against fixation)", async () => {
    const context = setup();
    const anonymousJar = context.browser.jar();
    const planted = await context.sessions.create(anonymousJar, { userId: null, data: { visits: 3 }, userAgent: null });
    context.browser.keep(anonymousJar);
    const plantedCookie = context.browser.cookies.get("sid");

    const jar = context.browser.jar();
    const current = await context.sessions.read(jar);
    const loggedIn = await context.sessions.regenerate(jar, current, { userId: "u", data: {}, userAgent: null });
    context.browser.keep(jar);

    expect(loggedIn.key).not.toBe(planted.key);
    expect(loggedIn).toMatchObject({ userId: "u", data: { visits: 3 } });
    expect(context.browser.cookies.get("sid")).not.toBe(plantedCookie);
    const attacker = new Browser();
    attacker.cookies.set("sid", plantedCookie ?? "");
    expect(await context.sessions.read(attacker.jar())).toBeNull();
  });

  it("never carries one user's session data into another user's session on login", async () => {
    const context = setup();
    const jar = context.browser.jar();
    const alice = await context.sessions.create(jar, { userId: "alice", data: { visits: 7 }, userAgent: null });
    context.browser.keep(jar);
    const next = context.browser.jar();
    const bob = await context.sessions.regenerate(next, alice, { userId: "bob", data: {}, userAgent: null });
    expect(bob.data).toEqual({});
  });

  it("updates the session a cookie names with one store call and no read, re-sending the cookie", async () => {
    const context = setup();
    await login(context);
    context.store.calls = [];
    const jar = context.browser.jar();
    const updated = await context.sessions.updateFromCookie(jar, { inc: { visits: 1 } });
    expect(updated?.data.visits).toBe(1);
    expect(context.store.calls).toEqual(["update"]);
    expect(context.browser.keep(jar)).toEqual([expect.stringMatching(/^sid=s:.*Max-Age=\d+/)]);
  });

  it("updates nothing and clears the cookie when the cookie names no live session", async () => {
    const context = setup();
    await login(context);
    context.clock.advance(31 * MINUTE);
    const jar = context.browser.jar();
    expect(await context.sessions.updateFromCookie(jar, { inc: { visits: 1 } })).toBeNull();
    expect(context.browser.keep(jar)).toEqual([expect.stringMatching(/^sid=; Max-Age=0/)]);
  });

  it("destroys a session server-side and clears the cookie, so replaying the cookie finds nothing", async () => {
    const context = setup();
    await login(context);
    const replay = new Map(context.browser.cookies);
    const jar = context.browser.jar();
    const current = await context.sessions.read(jar);
    if (current === null) throw new Error("expected a session");
    await context.sessions.destroy(jar, current);
    expect(context.browser.keep(jar)).toEqual([expect.stringMatching(/^sid=; Max-Age=0/)]);
    context.browser.cookies = replay;
    expect(await context.sessions.read(context.browser.jar())).toBeNull();
  });

  it("lists and revokes one user's sessions", async () => {
    const context = setup();
    const first = await login(context, "alice");
    const second = await login(setupWith(context), "alice");
    await login(setupWith(context), "bob");
    expect((await context.sessions.listForUser("alice")).map((each) => each.key).sort()).toEqual([first.key, second.key].sort());
    expect(await context.sessions.destroyForUser("bob", first.key)).toBe(false);
    expect(await context.sessions.destroyAllForUser("alice", first.key)).toBe(1);
    expect((await context.sessions.listForUser("alice")).map((each) => each.key)).toEqual([first.key]);
  });

  it("increments a counter atomically: 200 concurrent updates end at 200", async () => {
    const context = setup();
    const created = await login(context);
    await Promise.all(Array.from({ length: 200 }, () => context.sessions.update(undefined, created, { inc: { visits: 1 } })));
    expect((await context.sessions.read(context.browser.jar()))?.data.visits).toBe(200);
  });
});

describe("SessionManager with the cookie cache", () => {
  it("reads the store unless the caller asks for the cached copy, so a revoked session is refused at once", async () => {
    const context = setup({ cacheMs: 10_000 });
    const created = await login(context);
    await context.sessions.destroyForUser("user-1", created.key);
    context.store.calls = [];
    expect(await context.sessions.read(context.browser.jar())).toBeNull();
    expect(context.store.calls).toEqual(["get"]);
    expect((await context.sessions.read(context.browser.jar(), CACHED))?.key).toBe(created.key);
  });

  it("answers reads from the encrypted cookie within its window, with no store call", async () => {
    const context = setup({ cacheMs: 10_000 });
    const created = await login(context);
    expect([...context.browser.cookies.keys()]).toEqual(["sid", "sid.cache"]);
    context.store.calls = [];
    context.clock.advance(5_000);
    expect((await context.sessions.read(context.browser.jar(), CACHED))?.key).toBe(created.key);
    expect(context.store.calls).toEqual([]);
  });

  it("keeps the cache cookie encrypted: it does not show the session's data", async () => {
    const context = setup({ cacheMs: 10_000 });
    const jar = context.browser.jar();
    await context.sessions.create(jar, { userId: "visible-user-id", data: { visits: 12345 }, userAgent: null });
    context.browser.keep(jar);
    const cache = decodeURIComponent(context.browser.cookies.get("sid.cache") ?? "");
    expect(cache.split(".")).toHaveLength(5);
    expect(Buffer.from(cache.split(".")[3] ?? "", "base64url").toString("latin1")).not.toContain("visible-user-id");
  });

  it("refuses a revoked session once the cache window has passed", async () => {
    const context = setup({ cacheMs: 10_000 });
    const created = await login(context);
    await context.sessions.destroyForUser("user-1", created.key);
    context.clock.advance(5_000);
    expect(await context.sessions.read(context.browser.jar(), CACHED)).not.toBeNull(); // the documented delay
    context.clock.advance(5_000);
    expect(await context.sessions.read(context.browser.jar(), CACHED)).toBeNull();
  });

  it("drops the cached copy on a write, so the next read sees the change and caches it again", async () => {
    const context = setup({ cacheMs: 10_000 });
    await login(context);
    const jar = context.browser.jar();
    await context.sessions.updateFromCookie(jar, { inc: { visits: 1 } });
    expect(context.browser.keep(jar)).toContainEqual(expect.stringMatching(/^sid\.cache=; Max-Age=0/));
    context.store.calls = [];
    const readJar = context.browser.jar();
    expect((await context.sessions.read(readJar, CACHED))?.data.visits).toBe(1);
    expect(context.store.calls).toEqual(["get"]);
    context.browser.keep(readJar);
    expect((await context.sessions.read(context.browser.jar(), CACHED))?.data.visits).toBe(1);
    expect(context.store.calls).toEqual(["get"]);
  });

  it("serves later reads of a cached copy unchanged by what a caller did to an earlier one", async () => {
    const context = setup({ cacheMs: 10_000 });
    const jar = context.browser.jar();
    await context.sessions.create(jar, { userId: "u", data: { visits: 3 }, userAgent: null });
    context.browser.keep(jar);
    const first = await context.sessions.read(context.browser.jar(), CACHED);
    if (first === null) throw new Error("expected the cached session");
    first.data.visits = 999;
    expect((await context.sessions.read(context.browser.jar(), CACHED))?.data.visits).toBe(3);
    expect(context.store.calls).toEqual([]);
  });

  it("ignores a cache cookie that belongs to another session or was tampered with", async () => {
    const context = setup({ cacheMs: 10_000 });
    await login(context);
    const other = setupWith(context);
    await login(other, "mallory");
    context.browser.cookies.set("sid.cache", other.browser.cookies.get("sid.cache") ?? "");
    context.store.calls = [];
    expect((await context.sessions.read(context.browser.jar(), CACHED))?.userId).toBe("user-1");
    expect(context.store.calls).toEqual(["get"]);
  });
});

/** Another browser on the same manager and store. */
function setupWith(context: ReturnType<typeof setup>): ReturnType<typeof setup> {
  return { ...context, browser: new Browser() };
}
