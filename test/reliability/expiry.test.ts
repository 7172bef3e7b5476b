import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { LIVE } from "../support/mongo.ts";
import { TestBrowser } from "../support/requests.ts";
import { logInAgain, newUser, send, sessionKeyOf, settle, startClockedMongo, useFunctionEnv } from "./support.ts";

const MINUTE = 60_000;
const IDLE_MINUTES = 20;
/** Fractional on purpose: half an hour. */
const ABSOLUTE_HOURS = 0.5;
const IDLE = IDLE_MINUTES * MINUTE;
const ABSOLUTE = ABSOLUTE_HOURS * 60 * MINUTE;
const T0 = Date.parse("2030-01-01T00:00:00Z");

const api = useFunctionEnv({ SESSION_IDLE_MINUTES: String(IDLE_MINUTES), SESSION_ABSOLUTE_HOURS: String(ABSOLUTE_HOURS) }, startClockedMongo);


/** Only `Date` is faked: the driver's and the stand-in's timers keep running on the real clock. */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
  delete process.env.SESSION_CACHE_SECONDS;
});

function at(ms: number): void {
  vi.setSystemTime(T0 + ms);
}

async function whoAmI(browser: TestBrowser): Promise<{ authenticated: boolean; visits: number }> {
  const { status, body } = await settle(await send(browser, session, "/api/session"));
  expect(status).toBe(200);
  return body as { authenticated: boolean; visits: number };
}

function documentOf(key: string) {
  return api.mongo.db.collection("sessions").findOne({ _id: key as never });
}

describe.each([
  { cache: "off", seconds: "0" },
  { cache: "on (SESSION_CACHE_SECONDS=300)", seconds: "300" },
])("with the session cookie cache $cache", ({ seconds }) => {
  beforeEach(() => {
    process.env.SESSION_CACHE_SECONDS = seconds;
  });

  it("refuses a session the moment it has been idle for SESSION_IDLE_MINUTES, while its document is still stored", { timeout: 15_000 }, async () => {
    const { browser: idle, username } = await newUser("expiry");
    const twin = await logInAgain(username);
    const key = sessionKeyOf(idle);

    at(IDLE - 1);
    expect(await whoAmI(twin)).toMatchObject({ authenticated: true });
    at(IDLE);
    expect(await whoAmI(idle)).toMatchObject({ authenticated: false, visits: 0 });
    expect(idle.cookies.has("sid"), "the expired session's cookie is cleared").toBe(false);
    expect(await documentOf(key), "the TTL monitor has not run").not.toBeNull();
  });

  it("refuses a session at its absolute cap (SESSION_ABSOLUTE_HOURS, fractional) however active it has been", { timeout: 15_000 }, async () => {
    const { browser } = await newUser("expiry");
    const key = sessionKeyOf(browser);
    for (const minutes of [10, 20]) {
      at(minutes * MINUTE);
      expect((await settle(await send(browser, visits, "/api/visits", { method: "POST" }))).status).toBe(200);
    }
    // The server tells the browser to drop the cookie just before the cap (Max-Age=0 here), so the
    // refusal is tested with the cookie replayed, as a stale tab or an attacker would send it.
    const replayed = new TestBrowser();
    for (const [name, value] of browser.cookies) replayed.cookies.set(name, value);
    at(ABSOLUTE - 1);
    expect(await whoAmI(browser)).toMatchObject({ authenticated: true, visits: 2 });
    at(ABSOLUTE);
    expect(await whoAmI(replayed)).toMatchObject({ authenticated: false, visits: 0 });
    expect(await documentOf(key), "the TTL monitor has not run").not.toBeNull();
  });
});

describe.skipIf(LIVE)("when the TTL monitor runs (needs the stand-in's runTtlPass; skipped against TEST_MONGODB_URI)", () => {
  it("deletes an idle-expired session's document, and keeps the ones still live", { timeout: 15_000 }, async () => {
    const standin = api.mongo.standin!;
    const { browser: idle, username } = await newUser("expiry");
    const idleKey = sessionKeyOf(idle);
    const active = await logInAgain(username);
    at(IDLE / 2);
    expect(await whoAmI(active)).toMatchObject({ authenticated: true });

    // At the expiry instant the session is refused, but mongod's monitor deletes only once the date is past.
    at(IDLE);
    await standin.runTtlPass();
    expect(await documentOf(idleKey)).not.toBeNull();
    expect(await whoAmI(idle)).toMatchObject({ authenticated: false });

    at(IDLE + 1);
    const freshKey = sessionKeyOf(await logInAgain(username));
    expect(await standin.runTtlPass()).toBeGreaterThanOrEqual(1);
    expect(await documentOf(idleKey)).toBeNull();
    expect(await documentOf(sessionKeyOf(active)), "a session used since is kept").not.toBeNull();
    expect(await documentOf(freshKey), "a new session is kept").not.toBeNull();
    const overdue = await api.mongo.db.collection("sessions").countDocuments({ expiresAt: { $lt: new Date() } });
    expect(overdue).toBe(0);
  });

  it("deletes a session's document once its absolute cap has passed", { timeout: 15_000 }, async () => {
    const standin = api.mongo.standin!;
    const { browser } = await newUser("expiry");
    const key = sessionKeyOf(browser);
    for (const minutes of [10, 20]) {
      at(minutes * MINUTE);
      expect((await settle(await send(browser, visits, "/api/visits", { method: "POST" }))).status).toBe(200);
    }
    at(ABSOLUTE + 1);
    expect(await documentOf(key)).not.toBeNull();
    await standin.runTtlPass();
    expect(await documentOf(key)).toBeNull();
  });
});
