import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vi } from "vitest";
import login from "../../functions/login.ts";
import token from "../../functions/token.ts";
import { closeDatabase } from "../../lib/runtime/mongo.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, uniqueName, useApi } from "./harness.ts";

const api = useApi();

let clientSerial = 0;
/** A client address no other test uses, so the per-client counter starts at zero. */
function uniqueClient(): string {
  clientSerial += 1;
  return `203.0.113.${clientSerial}`;
}

// Pin the clock so that a test's attempts all fall within 15 minutes however slow the machine is.
const pinned = Date.now();
beforeAll(() => {
  vi.setSystemTime(pinned);
});
afterAll(() => {
  vi.useRealTimers();
});

function attempt(username: string, password: string, ip: string): Promise<Response> {
  return new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password }, ip });
}

async function expectThrottled(response: Response): Promise<void> {
  const retryAfter = response.headers.get("retry-after");
  await expectError(response, 429, "too_many_attempts");
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(15 * 60);
}

describe("login throttling", { timeout: 30_000 }, () => {
  it("answers 429 with Retry-After after 5 failed attempts for one username, even with the right password", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    for (let failure = 0; failure < 5; failure += 1) {
      await expectError(await attempt(username, "wrong password", ip), 401, "invalid_credentials");
    }
    await expectThrottled(await attempt(username, PASSWORD, ip));
  });

  it("counts a username's failures whatever address they come from and however the name is written", async () => {
    const { username } = await registerUser(new TestBrowser());
    for (let failure = 0; failure < 5; failure += 1) {
      const written = failure % 2 === 0 ? username.toUpperCase() : username;
      await expectError(await attempt(written, "wrong password", uniqueClient()), 401, "invalid_credentials");
    }
    await expectThrottled(await attempt(username, PASSWORD, uniqueClient()));
  });

  it("throttles unknown usernames too, so throttling does not reveal which accounts exist", async () => {
    const ghost = uniqueName("ghost");
    for (let failure = 0; failure < 5; failure += 1) await attempt(ghost, "wrong password", uniqueClient());
    await expectThrottled(await attempt(ghost, "wrong password", uniqueClient()));
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

  it("forgets a username's failures after a successful login", async () => {
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

  it("lets at most 5 of many concurrent wrong guesses for one username be checked", async () => {
    const { username } = await registerUser(new TestBrowser());
    const responses = await Promise.all(Array.from({ length: 12 }, () => attempt(username, "wrong password", uniqueClient())));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
  });

  it("never locks a user out for logging in correctly, however many times at once", async () => {
    const { username } = await registerUser(new TestBrowser());
    const ip = uniqueClient();
    await Promise.all(Array.from({ length: 10 }, () => attempt(username, PASSWORD, ip)));
    for (let login = 0; login < 25; login += 1) expect((await attempt(username, PASSWORD, ip)).status).toBe(200);
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
