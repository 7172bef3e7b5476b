import { describe, expect, it } from "vitest";
import activity from "../../functions/activity.ts";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import password from "../../functions/password.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import revoke from "../../functions/session-revoke.ts";
import sessions from "../../functions/sessions.ts";
import { FAILURE_WINDOW_MS } from "../../lib/accounts/activity.ts";
import { networkOf } from "../../lib/http/network.ts";
import { TestBrowser } from "../support/requests.ts";
import { eventsOf, loggedIn } from "./account-harness.ts";
import { expectError, handleOf, PASSWORD, registerUser, useApi } from "./harness.ts";

const api = useApi();

function fail(username: string, ip: string): Promise<Response> {
  return new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: "not the password" }, ip });
}

describe("GET /api/activity", { timeout: 30_000 }, () => {
  it("lists the account's security events newest first, each with its device and network, never a full address", async () => {
    const laptop = new TestBrowser();
    laptop.userAgent = "Laptop browser";
    const { username } = await registerUser(laptop);
    const phone = await loggedIn(username, { userAgent: "Phone browser", ip: "2001:db8:abcd:12::1" });
    const tablet = await loggedIn(username, { ip: "203.0.113.77" });
    const tabletHandle = handleOf(tablet);
    await laptop.send(revoke, `/api/sessions/${tabletHandle}`, { method: "DELETE", params: { id: tabletHandle } });
    await laptop.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: PASSWORD } });
    const phoneHandle = handleOf(phone);
    await phone.send(logout, "/api/logout", { method: "POST" });
    const events = await eventsOf(laptop);
    expect(events.map((event) => event.type)).toEqual(["logged_out", "reauthenticated", "session_revoked", "logged_in", "logged_in", "registered"]);
    expect(events[0]).toMatchObject({ userAgent: "Phone browser", network: networkOf(phone.ip), sessionId: phoneHandle });
    expect(events[2]).toMatchObject({ sessionId: tabletHandle, bySessionId: handleOf(laptop), userAgent: "Laptop browser" });
    expect(events[3]).toMatchObject({ network: "203.0.113.0/24" });
    expect(events[4]).toMatchObject({ network: "2001:db8:abcd::/48", userAgent: "Phone browser" });
    expect(events[5]).toMatchObject({ network: networkOf(laptop.ip) });
    const times = events.map((event) => Date.parse(event.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const text = JSON.stringify(events);
    expect(text).not.toMatch(/203\.0\.113\.77|2001:db8:abcd:12/);
  });

  it("logs signing out everywhere else with how many went, and a password change", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    await loggedIn(username);
    await laptop.send(sessions, "/api/sessions", { method: "DELETE" });
    await laptop.send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword: "another good password" } });
    const [changed, signedOut] = await eventsOf(laptop);
    expect(changed).toMatchObject({ type: "password_changed", sessionId: handleOf(laptop) });
    expect(signedOut).toMatchObject({ type: "signed_out_everywhere_else" });
  });

  it("counts failed log-ins against the account in one event per 15-minute window, never the attempted password", async () => {
    const laptop = new TestBrowser();
    const { username, id } = await registerUser(laptop);
    for (const ip of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) await fail(username, ip);
    const failures = (await eventsOf(laptop)).filter((event) => event.type === "login_failed");
    // One counter, or two if the attempts straddled a window's edge.
    expect(failures.length).toBeLessThanOrEqual(2);
    expect(failures.reduce((sum, event) => sum + (event.count ?? 0), 0)).toBe(3);
    expect(failures[0]).toMatchObject({ network: "198.51.100.0/24" });
    const stored = await api.mongo.db.collection("events").find({ type: "login_failed", userId: id }).toArray();
    expect(stored).toHaveLength(failures.length);
    expect(JSON.stringify(stored)).not.toContain("not the password");
    expect(FAILURE_WINDOW_MS).toBe(15 * 60_000);
  });

  it("sends the same database commands before answering a wrong password for an account as for a made-up name, and counts the account's failure once the answer has gone", async (context) => {
    const standin = api.mongo.standin;
    if (standin === undefined) return context.skip();
    const { username, id } = await registerUser(new TestBrowser());
    /** A wrong guess: the commands the database saw when the answer came, and once the work left for after it (Netlify's waitUntil) had settled. */
    async function wrongGuess(name: string, ip: string): Promise<{ answered: Record<string, number>; settled: Record<string, number> }> {
      const after: Promise<unknown>[] = [];
      standin?.resetCounts();
      const request = new TestBrowser().request("/api/login", { method: "POST", body: { username: name, password: "not the password" } });
      const response = await login(request, { ip, params: {}, waitUntil: (promise) => after.push(promise) });
      const answered = standin?.commandCounts() ?? {};
      expect(response.status).toBe(401);
      await Promise.all(after);
      return { answered, settled: standin?.commandCounts() ?? {} };
    }
    // Each kind once first, so that neither pays for creating indexes.
    await wrongGuess(username, "198.51.100.31");
    await wrongGuess("nobody_here", "198.51.100.32");
    const account = await wrongGuess(username, "198.51.100.33");
    const madeUp = await wrongGuess("nobody_either", "198.51.100.34");
    expect(account.answered).toEqual(madeUp.answered);
    expect(madeUp.settled).toEqual(madeUp.answered);
    expect(account.settled).toEqual({ ...account.answered, update: (account.answered.update ?? 0) + 1 });
    const counted = await api.mongo.db.collection("events").find({ type: "login_failed", userId: id }).toArray();
    expect(counted.reduce((sum, event) => sum + Number(event.count), 0)).toBe(2);
  });

  it("counts no failure for log-ins that succeed, even beside failing ones", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    await Promise.all([loggedIn(username, { ip: "198.51.100.7" }), loggedIn(username, { ip: "198.51.100.8" }), fail(username, "198.51.100.9")]);
    await loggedIn(username, { ip: "198.51.100.10" });
    const failures = (await eventsOf(laptop)).filter((event) => event.type === "login_failed");
    expect(failures.reduce((sum, event) => sum + (event.count ?? 0), 0)).toBe(1);
  });

  it("shows only the user's own events", async () => {
    const alice = new TestBrowser();
    await registerUser(alice);
    const bob = new TestBrowser();
    const { username: bobName } = await registerUser(bob);
    await fail(bobName, "198.51.100.9");
    expect((await eventsOf(alice)).map((event) => event.type)).toEqual(["registered"]);
  });

  it("shows the newest 50", async () => {
    const laptop = new TestBrowser();
    const { id } = await registerUser(laptop);
    const base = Date.now() - 3_600_000;
    await api.mongo.db.collection("events").insertMany(
      Array.from({ length: 60 }, (_each, i) => ({ userId: id, type: "logged_in", at: new Date(base + i * 1000), userAgent: null, network: null })),
    );
    const events = await eventsOf(laptop);
    expect(events).toHaveLength(50);
    expect(events[0]?.type).toBe("registered");
    expect(Date.parse(events[49]?.at ?? "")).toBe(base + 11 * 1000);
  });

  it("keeps events in their own collection with a 90-day TTL index and an index on userId", async () => {
    await registerUser(new TestBrowser());
    const indexes = await api.mongo.db.collection("events").listIndexes().toArray();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { at: 1 }, expireAfterSeconds: 90 * 24 * 3600 }),
        expect.objectContaining({ key: { userId: 1, at: -1 } }),
      ]),
    );
  });

  it("answers 401 unauthenticated without a session", async () => {
    await expectError(await new TestBrowser().send(activity, "/api/activity"), 401, "unauthenticated");
  });
});
