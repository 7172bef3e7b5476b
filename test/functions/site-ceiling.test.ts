import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import login from "../../functions/login.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import register from "../../functions/register.ts";
import session from "../../functions/session.ts";
import authenticationOptions from "../../functions/passkey-authentication-options.ts";
import visits from "../../functions/visits.ts";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import type { PasswordWork } from "../support/password-work.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, SECRET, uniqueName } from "./harness.ts";
import { addedPasskey, passkeyLogIn } from "./passkey-harness.ts";
import { ceilingGrowth, growth, stored } from "./stored.ts";

// Counts password checks and new hashes, as test/functions/throttling.test.ts does (and for the same
// reason starts from a fresh module graph, and leaves one).
const work = vi.hoisted((): PasswordWork => {
  vi.resetModules();
  return { checks: 0, hashes: 0 };
});
vi.mock("../../lib/accounts/passwords.ts", async (importOriginal) => {
  const { countingPasswords } = await import("../support/password-work.ts");
  return countingPasswords(await importOriginal(), work);
});

// Small ceilings, so that a flood from many networks reaches them in a few waves.
const HASHES = 30;
const REGISTRATIONS = 10;
const ANONYMOUS_SESSIONS = 20;
const api = useFunctionEnv({
  SESSION_SECRETS: SECRET,
  SITE_LIMIT_HASHES: String(HASHES),
  SITE_LIMIT_REGISTRATIONS: String(REGISTRATIONS),
  SITE_LIMIT_ANONYMOUS_SESSIONS: String(ANONYMOUS_SESSIONS),
});

const WINDOW_MS = 15 * 60_000;
let windows = Math.floor(Date.now() / WINDOW_MS) + 1;

// Each test runs a minute into a clock-aligned window of its own, so it starts below every ceiling
// and no boundary falls inside it.
beforeEach(() => {
  windows += 1;
  vi.setSystemTime(windows * WINDOW_MS + 60_000);
  work.checks = 0;
  work.hashes = 0;
});
afterAll(() => {
  vi.useRealTimers();
  vi.resetModules();
});

/** Client addresses on `count` different networks: IPv6 /48s and IPv4 /24s in turn. */
function networks(count: number, seed: number): string[] {
  return Array.from({ length: count }, (_, index) => (index % 2 === 0 ? `2001:db8:${(seed * 1000 + index).toString(16)}::1` : `10.${seed}.${index}.1`));
}

/** Sends `requests` in waves of `size` at once; the responses. */
async function inWaves(requests: Array<() => Promise<Response>>, size: number): Promise<Response[]> {
  const responses: Response[] = [];
  for (let start = 0; start < requests.length; start += size) responses.push(...(await Promise.all(requests.slice(start, start + size).map((send) => send()))));
  return responses;
}

async function expectCeiling(response: Response): Promise<void> {
  const retryAfter = Number(response.headers.get("retry-after"));
  await expectError(response, 429, "too_many_attempts");
  // The rest of the window: it began a minute ago.
  expect(retryAfter).toBe(WINDOW_MS / 1000 - 60);
}

describe("the site-wide ceilings", { timeout: 120_000 }, () => {
  it("hashes at most SITE_LIMIT_HASHES passwords per window for strangers from 200 networks, 50 at once; the site's own browsers keep working", async () => {
    const known = new TestBrowser();
    const { username } = await registerUser(known);
    const before = await stored(api.mongo.db);
    const guesses = networks(200, 1).map((ip) => () => new TestBrowser().send(login, "/api/login", { method: "POST", body: { username: uniqueName("guess"), password: "wrong password" }, ip }));
    const responses = await inWaves(guesses, 50);
    // The registration's hash and the guesses' checks fill the ceiling exactly, and no more.
    expect(work.checks + work.hashes).toBe(HASHES);
    const admitted = responses.filter((response) => response.status === 401);
    expect(admitted).toHaveLength(work.checks);
    for (const response of responses.filter((each) => each.status !== 401)) await expectCeiling(response);
    const after = await stored(api.mongo.db);
    // An admitted guess stores its pair, network and username counters; a refused one nothing.
    expect(growth(before, after)).toEqual({ login_attempts: 3 * admitted.length });
    expect(ceilingGrowth(before, after)).toEqual({ hashes: admitted.length });
    // Past the ceiling: a browser without a device cookie waits, even with the right password...
    await expectCeiling(await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } }));
    // ...while the account's own browser logs in, re-authenticates and goes on using its session.
    expect((await known.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(200);
    expect((await known.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: PASSWORD } })).status).toBe(200);
    expect((await known.send(visits, "/api/visits", { method: "POST" })).status).toBe(200);
    expect(await (await known.send(session, "/api/session")).json()).toMatchObject({ authenticated: true, user: { username } });
    expect(work.checks + work.hashes).toBe(HASHES + 2);
  });

  it("creates at most SITE_LIMIT_REGISTRATIONS accounts per window from 100 networks, 25 at once, and hashes no more passwords than it creates", async () => {
    const before = await stored(api.mongo.db);
    const signUps = networks(100, 2).map((ip) => () => new TestBrowser().send(register, "/api/register", { method: "POST", body: { username: uniqueName("new"), password: PASSWORD }, ip }));
    const responses = await inWaves(signUps, 25);
    expect(responses.filter((response) => response.status === 201)).toHaveLength(REGISTRATIONS);
    for (const response of responses.filter((each) => each.status !== 201)) await expectCeiling(response);
    expect(work.hashes).toBe(REGISTRATIONS);
    const after = await stored(api.mongo.db);
    // Each account: the user, its session, its event and its network's counter.
    expect(growth(before, after)).toEqual({ users: REGISTRATIONS, sessions: REGISTRATIONS, events: REGISTRATIONS, login_attempts: REGISTRATIONS });
    expect(ceilingGrowth(before, after)).toEqual({ registrations: REGISTRATIONS, hashes: REGISTRATIONS });
  });

  it("starts at most SITE_LIMIT_ANONYMOUS_SESSIONS sessions per window for callers without one from 100 networks, 50 at once; browsers with a session or a device cookie go on", async () => {
    const owner = new TestBrowser();
    await registerUser(owner);
    const authenticator = new SoftAuthenticator();
    await addedPasskey(owner, authenticator);
    const visitor = new TestBrowser();
    expect((await visitor.send(visits, "/api/visits", { method: "POST" })).status).toBe(200);
    const before = await stored(api.mongo.db);
    const flood = networks(100, 3).map((ip, index) => () =>
      index % 2 === 0
        ? new TestBrowser().send(visits, "/api/visits", { method: "POST", ip })
        : new TestBrowser().send(authenticationOptions, "/api/passkeys/authentication/options", { method: "POST", ip }),
    );
    const responses = await inWaves(flood, 50);
    // The visitor's session above took one of the window's.
    const admitted = responses.filter((response) => response.status === 200);
    expect(admitted).toHaveLength(ANONYMOUS_SESSIONS - 1);
    for (const response of responses.filter((each) => each.status !== 200)) await expectCeiling(response);
    const after = await stored(api.mongo.db);
    expect(growth(before, after).sessions).toBe(admitted.length);
    expect(ceilingGrowth(before, after)).toEqual({ anonymousSessions: admitted.length });
    // Past the ceiling: a new visitor waits; the visitor with a session counts on; the owner's
    // browser, signed out, still gets passkey options and signs in.
    await expectCeiling(await new TestBrowser().send(visits, "/api/visits", { method: "POST" }));
    expect(await (await visitor.send(visits, "/api/visits", { method: "POST" })).json()).toMatchObject({ visits: 2 });
    const signedOut = new TestBrowser();
    signedOut.cookies.set("device", owner.cookies.get("device") ?? "");
    expect((await passkeyLogIn(signedOut, authenticator)).status).toBe(200);
  });
});
