import { describe, expect, it } from "vitest";
import { CookieJar } from "../../../lib/cookies/cookie-jar.ts";
import { MemoryStore } from "../../../lib/sessions/memory-store.ts";
import { SessionCookieCache } from "../../../lib/sessions/session-cache.ts";
import { SessionManager } from "../../../lib/sessions/sessions.ts";

const SECRET = "c".repeat(40);
const MINUTE = 60_000;
const policy = { idleTimeoutMs: 30 * MINUTE, absoluteTimeoutMs: 120 * MINUTE, touchAfterMs: MINUTE };

/** The cookies a jar queued, by name (removals as empty values). */
function queued(jar: CookieJar): Map<string, string> {
  const headers = new Headers();
  jar.applyTo(headers);
  return new Map(headers.getSetCookie().map((line) => {
    const pair = line.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  }));
}

function jarWith(cookies: Map<string, string> = new Map()): CookieJar {
  const cookie = [...cookies].filter(([, value]) => value !== "").map(([name, value]) => `${name}=${value}`).join("; ");
  return new CookieJar(new Request("http://localhost/", { headers: cookie === "" ? {} : { cookie } }), [SECRET]);
}

function manager(): SessionManager<{ notes?: string }> {
  return new SessionManager(new MemoryStore<{ notes?: string }>(), policy, { cache: new SessionCookieCache([SECRET], 10 * MINUTE) });
}

describe("the session cookie cache", () => {
  it.each([2_700, 3_500, 10_000])("simply does not cache a session with %i bytes of data, and still reads it from the store", async (size) => {
    const sessions = manager();
    const jar = jarWith();
    const created = await sessions.create(jar, { userId: "u1", data: { notes: "x".repeat(size) }, userAgent: null });
    const cookies = queued(jar);
    expect([...cookies.keys()]).toEqual(["sid"]);
    const read = await sessions.read(jarWith(cookies), { cached: true });
    expect(read?.key).toBe(created.key);
    expect(read?.data.notes).toHaveLength(size);
  });

  it("still caches a small session", async () => {
    const jar = jarWith();
    await manager().create(jar, { userId: "u1", data: { notes: "short" }, userAgent: null });
    expect([...queued(jar).keys()]).toEqual(["sid", "sid.cache"]);
  });
});
