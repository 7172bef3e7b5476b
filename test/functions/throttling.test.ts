import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import account from "../../functions/account.ts";
import activity from "../../functions/activity.ts";
import login from "../../functions/login.ts";
import password from "../../functions/password.ts";
import register from "../../functions/register.ts";
import token from "../../functions/token.ts";
import { closeDatabase } from "../../lib/runtime/mongo.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import type { PasswordWork } from "../support/password-work.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, SECRET, uniqueName } from "./harness.ts";
import { ceilingGrowth, growth, stored, type Stored } from "./stored.ts";

// Counts password checks and new hashes (test/support/password-work.ts). The unit files share a
// module graph per worker (vitest.config.ts, isolate: false), and a mock reaches only modules loaded
// after it: so this file starts with a fresh graph (before its imports, which vitest hoists below
// this) and leaves a fresh one, so that no later file gets functions bound to the counting copy.
const work = vi.hoisted((): PasswordWork => {
  vi.resetModules();
  return { checks: 0, hashes: 0 };
});
vi.mock("../../lib/accounts/passwords.ts", async (importOriginal) => {
  const { countingPasswords } = await import("../support/password-work.ts");
  return countingPasswords(await importOriginal(), work);
});

// Every test here runs in one pinned window (below), so the site-wide ceiling on hashes, which has
// a file of its own (site-ceiling.test.ts), is set out of reach.
const api = useFunctionEnv({ SESSION_SECRETS: SECRET, SITE_LIMIT_HASHES: "100000", SITE_LIMIT_REGISTRATIONS: "100000" });

let clientSerial = 0;
/** A client address no other test uses, so the per-network counter starts at zero. */
function uniqueClient(): string {
  clientSerial += 1;
  return `203.0.${clientSerial >> 8}.${clientSerial & 255}`;
}

// Pin the clock so that a test's attempts all fall within 15 minutes however slow the machine is.
const pinned = Date.now();
beforeAll(() => {
  vi.setSystemTime(pinned);
});
afterAll(() => {
  vi.useRealTimers();
  vi.resetModules();
});
beforeEach(() => {
  work.checks = 0;
  work.hashes = 0;
});

function attempt(username: string, password: string, ip: string, browser = new TestBrowser()): Promise<Response> {
  return browser.send(login, "/api/login", { method: "POST", body: { username, password }, ip });
}

async function expectThrottled(response: Response, windowSeconds = 15 * 60): Promise<void> {
  const retryAfter = response.headers.get("retry-after");
  await expectError(response, 429, "too_many_attempts");
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(windowSeconds);
}

/** Fires `waves` waves of `size` concurrent wrong guesses, each guess's username and address from `who(index)`. */
async function waves(count: number, size: number, who: (index: number) => { username: string; ip: string }): Promise<number[]> {
  const statuses: number[] = [];
  for (let wave = 0; wave < count; wave += 1) {
    const responses = await Promise.all(
      Array.from({ length: size }, (_, index) => {
        const { username, ip } = who(wave * size + index);
        return attempt(username, "wrong password", ip);
      }),
    );
    statuses.push(...responses.map((response) => response.status));
  }
  return statuses;
}

describe("login throttling", { timeout: 120_000 }, () => {
  it("answers 429 with Retry-After after 5 failures from one address for one username, even with the right password", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 5; failure += 1) {
      await expectError(await attempt(username, "wrong password", ip), 401, "invalid_credentials");
    }
    await expectThrottled(await attempt(username, PASSWORD, ip));
  });

  it("locks an address out of a username, not the user: the right password from another address still logs in", async () => {
    const { username } = await registerUser(new TestBrowser());
    const attacker = uniqueClient();
    for (let failure = 0; failure < 5; failure += 1) await attempt(username.toUpperCase(), "wrong password", attacker);
    await expectThrottled(await attempt(username, "wrong password", attacker));
    expect((await attempt(username, PASSWORD, uniqueClient())).status).toBe(200);
  });

  it("checks at most 5 passwords for one username from one address, through 5 failures and then waves of 50 concurrent guesses", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 5; failure += 1) await attempt(username, "wrong password", ip);
    const statuses = await waves(3, 50, () => ({ username, ip }));
    expect(statuses.every((status) => status === 429)).toBe(true);
    await expectThrottled(await attempt(username, PASSWORD, ip));
    expect(work.checks).toBe(5);
  });

  it("checks at most 20 passwords from one address spraying usernames in waves of 50", async () => {
    const ip = uniqueClient();
    const statuses = await waves(3, 50, () => ({ username: uniqueName("spray"), ip }));
    expect(work.checks).toBeLessThanOrEqual(20);
    expect(statuses.filter((status) => status === 401)).toHaveLength(work.checks);
    expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
  });

  it("checks at most 50 passwords for one username guessed from many addresses in waves of 50, while the victim's usual browser keeps logging in", async () => {
    const victim = new TestBrowser();
    const { username } = await registerUser(victim);
    const attacker = new TestBrowser();
    await registerUser(attacker);
    const home = uniqueClient();
    const attacking = waves(3, 50, () => ({ username, ip: uniqueClient() }));
    expect((await attempt(username, PASSWORD, home, victim)).status).toBe(200);
    const statuses = await attacking;
    const attackChecks = work.checks - 1;
    expect(attackChecks).toBeLessThanOrEqual(50);
    expect(statuses.filter((status) => status === 401)).toHaveLength(attackChecks);
    expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
    expect((await attempt(username, PASSWORD, home, victim)).status).toBe(200);
    expect((await attempt(username, PASSWORD, uniqueClient(), victim)).status).toBe(200);
    // Documented: a browser without the device cookie (a new device) waits for the window, as an attacker would,
    // and so does one whose device cookie is another user's (the attacker's own account's).
    await expectThrottled(await attempt(username, PASSWORD, home));
    await expectThrottled(await attempt(username, PASSWORD, uniqueClient(), attacker));
  });

  it("gives a stolen device cookie at most 5 guesses, whatever the networks, and the user still logs in without it", async () => {
    const victim = new TestBrowser();
    const { username } = await registerUser(victim);
    const thief = new TestBrowser();
    thief.cookies.set("device", victim.cookies.get("device") ?? "");
    for (let failure = 0; failure < 5; failure += 1) {
      await expectError(await attempt(username, "wrong password", uniqueClient(), thief), 401, "invalid_credentials");
    }
    await expectThrottled(await attempt(username, PASSWORD, uniqueClient(), thief));
    expect(work.checks).toBe(5);
    expect((await attempt(username, PASSWORD, uniqueClient())).status).toBe(200);
  });

  it.each([
    ["IPv6 addresses of one /64", (index: number) => `2001:db8:7:1:${index.toString(16)}::1`, "2001:db8:7:2::1"],
    ["IPv4-mapped IPv6 and IPv4 forms of one address", (index: number) => (index % 2 === 0 ? "::ffff:192.0.2.7" : "192.0.2.7"), "192.0.2.8"],
  ])("counts %s as one client", async (_case, address, elsewhere) => {
    const { username } = await registerUser(new TestBrowser());
    for (let failure = 0; failure < 5; failure += 1) await attempt(username, "wrong password", address(failure));
    await expectThrottled(await attempt(username, PASSWORD, address(5)));
    expect((await attempt(username, PASSWORD, elsewhere)).status).toBe(200);
  });

  it("throttles unknown usernames too, so throttling does not reveal which accounts exist", async () => {
    const ghost = uniqueName("ghost");
    const ip = uniqueClient();
    for (let failure = 0; failure < 5; failure += 1) await attempt(ghost, "wrong password", ip);
    await expectThrottled(await attempt(ghost, "wrong password", ip));
  });

  it("answers 429 after 20 password checks from one client address by browsers it does not know, whatever the usernames, successful log-ins included", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let check = 0; check < 20; check += 1) {
      if (check % 4 === 0) expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
      else await expectError(await attempt(uniqueName("guess"), "wrong password", ip), 401, "invalid_credentials");
    }
    await expectThrottled(await attempt(username, PASSWORD, ip));
    expect(work.checks).toBe(20);
    expect((await attempt(username, PASSWORD, uniqueClient())).status).toBe(200);
  });

  it("forgets an address's failures for a username after a successful login from it", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 4; failure += 1) await attempt(username, "wrong password", ip);
    expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
    for (let failure = 0; failure < 4; failure += 1) {
      await expectError(await attempt(username, "wrong password", ip), 401, "invalid_credentials");
    }
    expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
  });

  it("counts the 15 minutes back from each attempt, not from a clock-aligned window", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    const quarter = 15 * 60 * 1000;
    const boundary = Math.ceil(Date.now() / quarter) * quarter;
    try {
      vi.setSystemTime(boundary - 2000);
      for (let failure = 0; failure < 5; failure += 1) await attempt(username, "wrong password", ip);
      vi.setSystemTime(boundary + 2000);
      const throttled = await attempt(username, PASSWORD, ip);
      expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
      await expectThrottled(throttled);
      vi.setSystemTime(boundary - 2000 + quarter + 1000);
      expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
    } finally {
      vi.setSystemTime(pinned);
    }
  });

  it("keeps counting across a cold start, and lets MongoDB expire the counters with a TTL index", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 5; failure += 1) await attempt(username, "wrong password", ip);
    await closeDatabase();
    vi.resetModules();
    const fresh = (await import("../../functions/login.ts")).default;
    try {
      await expectThrottled(await new TestBrowser().send(fresh, "/api/login", { method: "POST", body: { username, password: PASSWORD }, ip }));
    } finally {
      await (await import("../../lib/runtime/mongo.ts")).closeDatabase();
    }
    const indexes = await api.mongo.db.collection("login_attempts").indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }));
  });

  it("never counts a correct log-in as a failure: 4 failures, then 5 log-ins from the address, then 4 failures again, all checked", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 4; failure += 1) await attempt(username, "wrong password", ip);
    for (let login = 0; login < 5; login += 1) expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
    for (let failure = 0; failure < 4; failure += 1) await expectError(await attempt(username, "wrong password", ip), 401, "invalid_credentials");
    expect(work.checks).toBe(13);
  });

  it("throttles POST /api/token with credentials the same way, sharing the counter with login", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 3; failure += 1) await attempt(username, "wrong password", ip);
    for (let failure = 0; failure < 2; failure += 1) {
      const response = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: "wrong password" }, ip });
      await expectError(response, 401, "invalid_credentials");
    }
    const response = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD }, ip });
    await expectThrottled(response);
  });
});

/** The events of `userId` stored in `after` and not in `before`, counted by type. */
function newEvents(before: Stored, after: Stored, userId: string): Record<string, number> {
  const known = new Set((before.documents.events ?? []).map((event) => String((event as { _id: unknown })._id)));
  const added = (after.documents.events ?? []) as Array<{ _id: unknown; type: string; userId: string | null }>;
  const counts: Record<string, number> = {};
  for (const event of added) if (event.userId === userId && !known.has(String(event._id))) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

/** `count` waves of `size` concurrent log-ins with the right password, each from the browser and address `who` gives; the statuses. */
async function rightPasswordWaves(username: string, count: number, size: number, who: (index: number) => { browser?: TestBrowser; ip: string }): Promise<number[]> {
  const statuses: number[] = [];
  for (let wave = 0; wave < count; wave += 1) {
    const responses = await Promise.all(
      Array.from({ length: size }, (_, index) => {
        const { browser, ip } = who(wave * size + index);
        return attempt(username, PASSWORD, ip, browser);
      }),
    );
    statuses.push(...responses.map((response) => response.status));
  }
  return statuses;
}

// One account whose password the attacker knows (they registered it), logging in again and again:
// every check costs a full hash and every success a session and its events, so successes count too.
describe("the right password, again and again", { timeout: 240_000 }, () => {
  it("checks at most 10 passwords per window for an account from its own browser: 60 log-ins, 5 at a time from one address, store what 10 do", async () => {
    const attacker = new TestBrowser();
    const { username, id } = await registerUser(attacker);
    const ip = uniqueClient();
    const before = await everything();
    const statuses = await rightPasswordWaves(username, 12, 5, () => ({ browser: attacker, ip }));
    expect(work.checks).toBe(10);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
    const after = await everything();
    const events = newEvents(before, after, id);
    // Each log-in writes a session and its event; a session evicted beyond the cap is logged once.
    expect(events.logged_in).toBe(10);
    expect(events.session_evicted ?? 0).toBeLessThanOrEqual(10);
    const evicted = (after.documents.events as Array<{ type: string; sessionId?: string }>).filter((event) => event.type === "session_evicted");
    expect(new Set(evicted.map((event) => event.sessionId)).size).toBe(evicted.length);
    expect(Object.keys(events).sort()).toEqual(Object.keys(events).filter((type) => type === "logged_in" || type === "session_evicted").sort());
    expect(growth(before, after).sessions ?? 0).toBeLessThanOrEqual(10);
  });

  it("checks at most 20 passwords per window from one address for browsers it does not know: 60 log-ins without cookies, 5 at a time", async () => {
    const { username, id } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    const before = await everything();
    const statuses = await rightPasswordWaves(username, 12, 5, () => ({ ip }));
    expect(work.checks).toBeLessThanOrEqual(20);
    expect(statuses.filter((status) => status === 200)).toHaveLength(work.checks);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
    expect(newEvents(before, await everything(), id).logged_in).toBe(work.checks);
  });

  it("checks at most 50 passwords per window for an account from browsers it does not know, from any number of addresses: 80 log-ins, 20 at a time", async () => {
    const { username } = await registerUser(new TestBrowser());
    const statuses = await rightPasswordWaves(username, 4, 20, () => ({ ip: uniqueClient() }));
    expect(work.checks).toBe(50);
    expect(statuses.filter((status) => status === 200)).toHaveLength(50);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
  });

  it("counts re-authentication with the password, tokens minted with credentials and password changes back and forth the same way", async () => {
    const browser = new TestBrowser();
    const { username } = await registerUser(browser);
    work.checks = 0;
    work.hashes = 0;
    // The account's own browser: 15 re-authentications, of which the account's 10 per window are checked.
    const reauthentications = [];
    for (let again = 0; again < 15; again += 1) {
      reauthentications.push((await browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: PASSWORD } })).status);
    }
    expect(reauthentications).toEqual([...Array<number>(10).fill(200), ...Array<number>(5).fill(429)]);
    expect(work.checks).toBe(10);
    // A script without cookies: 25 tokens from one address, of which its network's 20 are checked.
    const ip = uniqueClient();
    const tokens = [];
    for (let again = 0; again < 25; again += 1) {
      tokens.push((await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD }, ip })).status);
    }
    expect(tokens).toEqual([...Array<number>(20).fill(200), ...Array<number>(5).fill(429)]);
    expect(work.checks).toBe(30);
  });

  it("counts a password change twice, its check and its new hash: an account's own browser changes it back and forth 5 times per window", async () => {
    const browser = new TestBrowser();
    await registerUser(browser);
    work.checks = 0;
    work.hashes = 0;
    const passwords = [PASSWORD, "another passphrase"];
    const changes = [];
    for (let change = 0; change < 8; change += 1) {
      const body = { currentPassword: passwords[change % 2], newPassword: passwords[(change + 1) % 2] };
      changes.push((await browser.send(password, "/api/password", { method: "POST", body })).status);
    }
    expect(changes).toEqual([...Array<number>(5).fill(200), ...Array<number>(3).fill(429)]);
    expect(work).toEqual({ checks: 5, hashes: 5 });
  });
});

/** A browser that has never logged in, carrying a copy of `browser`'s device cookie (as one taken from a shared computer would be). */
function copyOfDevice(browser: TestBrowser): TestBrowser {
  const copy = new TestBrowser();
  const value = browser.cookies.get("device");
  if (value === undefined) throw new Error("the browser holds no device cookie");
  copy.cookies.set("device", value);
  return copy;
}

/** Uses up the (username, network) pair's 5 attempts with wrong guesses from a browser without a device cookie. */
async function exhaustPair(username: string, ip: string): Promise<void> {
  for (let failure = 0; failure < 5; failure += 1) await expectError(await attempt(username, "wrong password", ip), 401, "invalid_credentials");
  await expectThrottled(await attempt(username, PASSWORD, ip));
}

describe("device cookies (issue 15)", { timeout: 240_000 }, () => {
  it("gives each browser a device cookie of its own, so 5 guesses with a copy of one leave the user's other browsers logging in", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    const phone = new TestBrowser();
    expect((await attempt(username, PASSWORD, uniqueClient(), phone)).status).toBe(200);
    expect(phone.cookies.get("device")).not.toBe(laptop.cookies.get("device"));
    const copy = copyOfDevice(laptop);
    for (let failure = 0; failure < 5; failure += 1) {
      await expectError(await attempt(username, "wrong password", uniqueClient(), copy), 401, "invalid_credentials");
    }
    await expectThrottled(await attempt(username, PASSWORD, uniqueClient(), copy));
    expect((await attempt(username, PASSWORD, uniqueClient(), phone)).status).toBe(200);
    // The phone's log-in, the copy's 5 guesses, the phone's second log-in: the refused attempt checked nothing.
    expect(work.checks).toBe(7);
  });

  it("makes every device cookie of the user worthless once the password changes, except the one the changing browser gets with the change", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    const phone = new TestBrowser();
    expect((await attempt(username, PASSWORD, uniqueClient(), phone)).status).toBe(200);
    const copy = copyOfDevice(laptop);
    const newPassword = "a brand new passphrase";
    const changed = await laptop.send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword } });
    expect(changed.status).toBe(200);
    expect(laptop.cookies.get("device")).not.toBe(copy.cookies.get("device"));
    // An address that has used up its attempts at this username tells a valid device cookie from any other.
    const shared = uniqueClient();
    await exhaustPair(username, shared);
    expect(work.checks).toBe(7);
    await expectThrottled(await attempt(username, newPassword, shared, phone));
    await expectThrottled(await attempt(username, newPassword, shared, copy));
    expect((await attempt(username, newPassword, shared, laptop)).status).toBe(200);
    expect(work.checks).toBe(8);
  });

  it("makes the device cookies of a deleted account worthless, even once its username is registered again", async () => {
    const laptop = new TestBrowser();
    const { username } = await registerUser(laptop);
    const old = copyOfDevice(laptop);
    expect((await laptop.send(account, "/api/account", { method: "DELETE" })).status).toBe(204);
    const newcomer = new TestBrowser();
    await registerUser(newcomer, username);
    const shared = uniqueClient();
    await exhaustPair(username, shared);
    await expectThrottled(await attempt(username, PASSWORD, shared, old));
    expect((await attempt(username, PASSWORD, shared, newcomer)).status).toBe(200);
    expect(work.checks).toBe(6);
  });

  it("lets the user's own browser in from an address strangers have used up, and keeps an unknown browser there out", async () => {
    const home = new TestBrowser();
    const { username } = await registerUser(home);
    const cafe = uniqueClient();
    // 20 failures from the café's one address: 5 at this user, 15 at other names; then more, refused.
    for (let failure = 0; failure < 20; failure += 1) {
      const response = await attempt(failure < 5 ? username : uniqueName("stranger"), "wrong password", cafe);
      await expectError(response, 401, "invalid_credentials");
    }
    for (let refused = 0; refused < 5; refused += 1) await expectThrottled(await attempt(uniqueName("stranger"), "wrong password", cafe));
    expect(work.checks).toBe(20);
    await expectThrottled(await attempt(username, PASSWORD, cafe));
    expect((await attempt(username, PASSWORD, cafe, home)).status).toBe(200);
    expect((await attempt(username, PASSWORD, cafe, home)).status).toBe(200);
    await expectThrottled(await attempt(username, PASSWORD, cafe));
    expect(work.checks).toBe(22);
  });
});

/** Everything the test database holds. */
function everything() {
  return stored(api.mongo.db);
}

describe("what log-in attempts store (issue 15)", { timeout: 240_000 }, () => {
  it("stores for a network's flood of made-up usernames only the counters that bound it, and nothing at all for refused attempts", async () => {
    const victim = new TestBrowser();
    const { username: existing } = await registerUser(victim);
    const ip = uniqueClient();
    const names = Array.from({ length: 50 }, () => uniqueName("madeup"));
    const before = await everything();
    const statuses = await Promise.all(names.map((name) => attempt(name, "wrong password", ip).then((response) => response.status)));
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
    expect(work.checks).toBe(20);
    const flooded = await everything();
    // One counter for the network, and a pair and a username counter for each of the 20 attempts
    // admitted: within the README's bound of 61 documents per network per window; and the 20 hashes
    // on the site's ceiling.
    expect(growth(before, flooded)).toEqual({ login_attempts: 41 });
    expect(ceilingGrowth(before, flooded)).toEqual({ hashes: 20 });
    const counters = flooded.documents.login_attempts as Array<{ attempts: unknown[] }>;
    expect(counters.filter((counter) => counter.attempts.length === 0)).toEqual([]);
    // Past the limit, nothing more is written, in any collection, whatever the username: an existing
    // account's, a name whose counters have room left (a minute later, so an expiry pushed back would
    // show), a new one.
    const admitted = names.filter((_, index) => statuses[index] === 401);
    const usernames = [...Array.from({ length: 5 }, () => existing), ...admitted.slice(0, 10), ...Array.from({ length: 15 }, () => uniqueName("madeup"))];
    vi.setSystemTime(pinned + 60_000);
    try {
      const more = await Promise.all(usernames.map((name, index) => attempt(name, index < 3 ? PASSWORD : "wrong password", ip)));
      expect(more.map((response) => response.status).every((status) => status === 429)).toBe(true);
    } finally {
      vi.setSystemTime(pinned);
    }
    expect(await everything()).toEqual(flooded);
    expect(work.checks).toBe(20);
    // A name that was guessed before it existed: its new account inherits none of the failures.
    const latecomer = new TestBrowser();
    await registerUser(latecomer, admitted[0]);
    const events = ((await (await latecomer.send(activity, "/api/activity")).json()) as { events: Array<{ type: string }> }).events;
    expect(events.map((event) => event.type)).toEqual(["registered"]);
  });
});

describe("registration throttling", { timeout: 60_000 }, () => {
  function signUp(ip: string): Promise<Response> {
    return new TestBrowser().send(register, "/api/register", { method: "POST", body: { username: uniqueName("new"), password: PASSWORD }, ip });
  }

  it.each([
    ["an IPv4 address", () => "198.51.100.77", "198.51.100.78"],
    ["one IPv6 /64", (index: number) => `2001:db8:9:9::${index.toString(16)}`, "2001:db8:9:a::1"],
  ])("allows 10 registrations per hour from %s, then 429 with Retry-After, and other networks still register", async (_case, address, elsewhere) => {
    for (let index = 0; index < 10; index += 1) expect((await signUp(address(index))).status).toBe(201);
    await expectThrottled(await signUp(address(10)), 60 * 60);
    expect((await signUp(elsewhere)).status).toBe(201);
  });
});
