import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import login from "../../functions/login.ts";
import register from "../../functions/register.ts";
import token from "../../functions/token.ts";
import { closeDatabase } from "../../lib/runtime/mongo.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, uniqueName, useApi } from "./harness.ts";

// Counts password checks (scrypt verifications), the cost the throttle exists to bound: status codes
// alone would not show a guess that was checked and then answered 429.
const checks = vi.hoisted(() => ({ count: 0 }));
vi.mock("../../lib/accounts/passwords.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../lib/accounts/passwords.ts")>();
  return {
    ...original,
    verifyPassword: (...args: Parameters<typeof original.verifyPassword>) => {
      checks.count += 1;
      return original.verifyPassword(...args);
    },
  };
});

const api = useApi();

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
});
beforeEach(() => {
  checks.count = 0;
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
    expect(checks.count).toBe(5);
  });

  it("checks at most 20 passwords from one address spraying usernames in waves of 50", async () => {
    const ip = uniqueClient();
    const statuses = await waves(3, 50, () => ({ username: uniqueName("spray"), ip }));
    expect(checks.count).toBeLessThanOrEqual(20);
    expect(statuses.filter((status) => status === 401)).toHaveLength(checks.count);
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
    const attackChecks = checks.count - 1;
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
    expect(checks.count).toBe(5);
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

  it("answers 429 after 20 failed attempts from one client address, whatever the usernames, not counting its successful logins", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 20; failure += 1) {
      await expectError(await attempt(uniqueName("guess"), "wrong password", ip), 401, "invalid_credentials");
      if (failure % 8 === 0) expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
    }
    await expectThrottled(await attempt(username, PASSWORD, ip));
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

  it("never locks a user out for logging in correctly, however many times at once", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    await Promise.all(Array.from({ length: 10 }, () => attempt(username, PASSWORD, ip)));
    for (let login = 0; login < 12; login += 1) expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
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
