import { beforeAll, describe, expect, it, vi } from "vitest";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { sessionKey } from "../../lib/sessions/session-id.ts";
import { signValue } from "../../lib/cookies/signing.ts";
import { TestBrowser } from "../support/requests.ts";
import { handleOf, registerUser, SECRET, sessionIdOf, setCookieFor, useApi } from "./harness.ts";

const api = useApi();
let user: { username: string; id: string };
let loggedIn: TestBrowser;

beforeAll(async () => {
  loggedIn = new TestBrowser();
  user = await registerUser(loggedIn);
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("GET /api/session", () => {
  it("answers { authenticated: false } to a browser with no cookie, and sets none", async () => {
    const response = await new TestBrowser().send(session, "/api/session");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ authenticated: false });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("shows an anonymous session's visits but not as authenticated", async () => {
    const browser = new TestBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    await browser.send(visits, "/api/visits", { method: "POST" });
    const body = await (await browser.send(session, "/api/session")).json();
    expect(body).toEqual({ authenticated: false, visits: 2 });
  });

  it("shows the logged-in user, the session's dates and the visits", async () => {
    const response = await loggedIn.send(session, "/api/session");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({
      authenticated: true,
      user: { id: user.id, username: user.username },
      session: { createdAt: expect.stringMatching(ISO), lastSeenAt: expect.stringMatching(ISO), expiresAt: expect.stringMatching(ISO) },
      visits: expect.any(Number),
    });
    const { createdAt, lastSeenAt, expiresAt } = body.session as { createdAt: string; lastSeenAt: string; expiresAt: string };
    expect(Date.parse(createdAt)).toBeLessThanOrEqual(Date.parse(lastSeenAt));
    // The default idle timeout is 30 minutes.
    expect(Date.parse(expiresAt) - Date.parse(lastSeenAt)).toBe(30 * 60 * 1000);
  });

  it.each([
    ["a tampered signature", (value: string) => value.slice(0, -2) + (value.endsWith("AA") ? "BB" : "AA")],
    ["an unsigned id", (value: string) => decodeURIComponent(value).replace(/^s:/, "").replace(/\.[^.]*$/, "")],
    ["a truncated signature", (value: string) => value.slice(0, value.lastIndexOf(".") + 3)],
    ["a value signed with another secret", () => signValue(sessionIdOf(loggedIn), ["another-secret-that-is-long-enough-000000"], { name: "sid", purpose: "session cookie" })],
    ["garbage", () => "%E0%A4%A"],
  ])("treats a session cookie with %s as no session and clears it", async (_case, tamper) => {
    const forged = new TestBrowser();
    forged.cookies.set("sid", tamper(loggedIn.cookies.get("sid") ?? ""));
    const response = await forged.send(session, "/api/session");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ authenticated: false });
    expect(setCookieFor(response, "sid")).toMatch(/^sid=; .*Max-Age=0/);
  });

  it("keeps a session signed with a retired secret alive while that secret is still listed (rotation)", async () => {
    const browser = new TestBrowser();
    await registerUser(browser);
    const previous = process.env.SESSION_SECRETS;
    process.env.SESSION_SECRETS = `a-brand-new-secret-for-rotation-0000000000,${SECRET}`;
    try {
      expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
    } finally {
      process.env.SESSION_SECRETS = previous;
    }
  });

  it("never serves a session whose expiry has passed, even before the TTL monitor removes it", async () => {
    const browser = new TestBrowser();
    await registerUser(browser);
    const past = new Date(Date.now() - 1000);
    const sessions = api.mongo.db.collection<{ _id: string }>("sessions");
    const result = await sessions.updateOne({ _id: handleOf(browser) }, { $set: { expiresAt: past } });
    expect(result.modifiedCount).toBe(1);
    const response = await browser.send(session, "/api/session");
    expect(await response.json()).toMatchObject({ authenticated: false });
  });

  it("never serves a session past its absolute lifetime, however recently used", async () => {
    const browser = new TestBrowser();
    await registerUser(browser);
    const sessions = api.mongo.db.collection<{ _id: string }>("sessions");
    await sessions.updateOne({ _id: handleOf(browser) }, { $set: { absoluteExpiresAt: new Date(Date.now() - 1000) } });
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ authenticated: false });
  });
});

describe("what a session costs in database commands", () => {
  it("costs one find per read and no writes for a stream of reads within the touch window", async (context) => {
    const standin = api.mongo.standin;
    if (standin === undefined) return context.skip();
    const browser = new TestBrowser();
    await registerUser(browser);
    await browser.send(session, "/api/session");
    standin.resetCounts();
    for (let read = 0; read < 10; read += 1) {
      const response = await browser.send(session, "/api/session");
      expect(await response.json()).toMatchObject({ authenticated: true });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(standin.commandCounts()).toEqual({ find: 10 });
  });
});

describe("rolling expiry", () => {
  it("extends the expiry with one write and re-sends the cookie on the first read after the touch window", async (context) => {
    const standin = api.mongo.standin;
    if (standin === undefined) return context.skip();
    const started = Date.now();
    try {
      vi.setSystemTime(started);
      const browser = new TestBrowser();
      await browser.send(visits, "/api/visits", { method: "POST" });
      const before = await api.mongo.db.collection<{ _id: string; expiresAt: Date }>("sessions").findOne({ _id: handleOf(browser) });
      vi.setSystemTime(started + 61_000);
      standin.resetCounts();
      const response = await browser.send(session, "/api/session");
      expect(standin.commandCounts()).toEqual({ find: 1, update: 1 });
      expect(setCookieFor(response, "sid")).toMatch(/Max-Age=\d+/);
      const after = await api.mongo.db.collection<{ _id: string; expiresAt: Date }>("sessions").findOne({ _id: handleOf(browser) });
      expect((after?.expiresAt.getTime() ?? 0) - (before?.expiresAt.getTime() ?? 0)).toBe(61_000);
      standin.resetCounts();
      await browser.send(session, "/api/session");
      expect(standin.commandCounts()).toEqual({ find: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("session ids in the database", () => {
  it("stores only the SHA-256 of the session id, never the id the cookie holds", async () => {
    const browser = new TestBrowser();
    await registerUser(browser);
    const id = sessionIdOf(browser);
    const sessions = api.mongo.db.collection<{ _id: string }>("sessions");
    expect(await sessions.countDocuments({ _id: id })).toBe(0);
    const stored = await sessions.findOne({ _id: sessionKey(id) });
    expect(stored?._id).toMatch(/^[0-9a-f]{64}$/);
    const everything = JSON.stringify(await sessions.find().toArray());
    expect(everything).not.toContain(id);
  });
});
