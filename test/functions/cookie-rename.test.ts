import { describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import register from "../../functions/register.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import type { CookiePurpose } from "../../lib/cookies/keys.ts";
import { signValue, unsignValue } from "../../lib/cookies/signing.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, SECRET, sessionIdOf, setCookieFor, uniqueName } from "./harness.ts";

// Issue 15: over HTTPS galleta's cookies are now __Host-Http-sid, __Host-Http-sid.cache and
// __Host-Http-device; browsers still hold them under the names they had before, __Host-sid,
// __Host-sid.cache and __Host-device. The cache is on so that the cache cookie moves too, and the
// per-username limit is 1 so that one stranger's failure shows whether the device cookie still counts.
useFunctionEnv({ SESSION_SECRETS: SECRET, SESSION_CACHE_SECONDS: "300", LOGIN_LIMIT_PER_USERNAME: "1" });

/** A request's init on the HTTPS site behind Netlify's proxy (the function sees http:// and x-forwarded-proto). */
function https(init: { method?: string; body?: unknown } = {}) {
  return { ...init, headers: { "x-forwarded-proto": "https", origin: "https://localhost:8888" } };
}

/** What signs each of galleta's cookies; the cache cookie is encrypted, not signed, and its value carries no name. */
const PURPOSES: Record<string, CookiePurpose | undefined> = { sid: "session cookie", device: "device cookie", "sid.cache": undefined };

/**
 * The same browser as it would be had it last heard from galleta before issue 15: each of its
 * cookies under the old `__Host-` name, signed for that name (the MAC covers the name it was set under).
 */
function beforeTheUpgrade(browser: TestBrowser): TestBrowser {
  const old = new TestBrowser();
  old.ip = browser.ip;
  for (const [name, raw] of browser.cookies) {
    const base = name.replace(/^__Host-Http-/, "");
    const oldName = `__Host-${base}`;
    const purpose = PURPOSES[base];
    if (purpose === undefined) {
      old.cookies.set(oldName, raw);
      continue;
    }
    const value = unsignValue(decodeURIComponent(raw), [SECRET], { name, purpose });
    if (value === undefined) throw new Error(`the browser's ${name} cookie does not verify`);
    old.cookies.set(oldName, encodeURIComponent(signValue(value, [SECRET], { name: oldName, purpose })));
  }
  return old;
}

/** A user registered over HTTPS, and the browser that did it (logged in, with every cookie galleta sets). */
async function registeredOverHttps(): Promise<{ username: string; browser: TestBrowser }> {
  const browser = new TestBrowser();
  const username = uniqueName();
  expect((await browser.send(register, "/api/register", https({ method: "POST", body: { username, password: PASSWORD } }))).status).toBe(201);
  expect([...browser.cookies.keys()].sort()).toEqual(["__Host-Http-device", "__Host-Http-sid", "__Host-Http-sid.cache"]);
  return { username, browser };
}

/** Asserts the response makes the browser forget `name` (empty, Max-Age=0, with the attributes its prefix needs). */
function expectCleared(response: Response, name: string): void {
  expect(setCookieFor(response, name)).toMatch(new RegExp(`^${name.replace(/\./g, "\\.")}=; Max-Age=0; Path=/; HttpOnly; Secure`));
}

describe("cookies under the names they had before __Host-Http- (issue 15)", { timeout: 30_000 }, () => {
  it("keeps a session under __Host-sid logged in, and a read re-sets it as __Host-Http-sid and clears the old names", async () => {
    const { username, browser } = await registeredOverHttps();
    const old = beforeTheUpgrade(browser);

    const read = await old.send(session, "/api/session", https());
    expect(await read.json()).toMatchObject({ authenticated: true, user: { username } });
    expect(setCookieFor(read, "__Host-Http-sid")).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(setCookieFor(read, "__Host-Http-sid.cache")).toMatch(/; HttpOnly; Secure/);
    expectCleared(read, "__Host-sid");
    expectCleared(read, "__Host-sid.cache");
    expect(sessionIdOf(old, "__Host-Http-sid")).toBe(sessionIdOf(browser, "__Host-Http-sid"));

    // Renamed once: the next read re-sends nothing, so session reads stay as cheap as before.
    const again = await old.send(session, "/api/session", https());
    expect(await again.json()).toMatchObject({ authenticated: true, user: { username } });
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it("counts a visit on the session a __Host-sid cookie names, and moves the cookie to __Host-Http-sid", async () => {
    const { browser } = await registeredOverHttps();
    const before = ((await (await browser.send(session, "/api/session", https())).json()) as { visits: number }).visits;
    const old = beforeTheUpgrade(browser);

    const counted = await old.send(visits, "/api/visits", https({ method: "POST" }));
    expect(await counted.json()).toMatchObject({ authenticated: true, visits: before + 1, firstVisit: before + 1 === 1 });
    expect(sessionIdOf(old, "__Host-Http-sid")).toBe(sessionIdOf(browser, "__Host-Http-sid"));
    expectCleared(counted, "__Host-sid");
    expect([...old.cookies.keys()].filter((name) => name.includes("sid"))).toEqual(["__Host-Http-sid"]);
  });

  it("logs out the session a __Host-sid cookie names, clearing the old names", async () => {
    const { browser } = await registeredOverHttps();
    const old = beforeTheUpgrade(browser);

    const out = await old.send(logout, "/api/logout", https({ method: "POST" }));
    expect(out.status).toBe(204);
    expectCleared(out, "__Host-sid");
    expect(out.headers.getSetCookie().filter((line) => line.startsWith("__Host-sid="))).toHaveLength(1);
    expectCleared(out, "__Host-sid.cache");
    expect([...old.cookies.keys()]).toEqual(["__Host-device"]);
    browser.cookies.delete("__Host-Http-sid.cache");
    expect(await (await browser.send(session, "/api/session", https())).json()).toMatchObject({ authenticated: false });
  });

  it("still knows the user's usual browser by its __Host-device cookie, and re-sets it as __Host-Http-device at the next log-in", async () => {
    const { username, browser } = await registeredOverHttps();
    const old = beforeTheUpgrade(browser);
    for (const name of ["__Host-sid", "__Host-sid.cache"]) old.cookies.delete(name);
    // One stranger's failure uses up the per-username limit (1 here): only a known device gets past it.
    const stranger = new TestBrowser();
    await expectError(await stranger.send(login, "/api/login", https({ method: "POST", body: { username, password: "wrong password" } })), 401, "invalid_credentials");
    await expectError(await new TestBrowser().send(login, "/api/login", https({ method: "POST", body: { username, password: PASSWORD } })), 429, "too_many_attempts");

    const loggedIn = await old.send(login, "/api/login", https({ method: "POST", body: { username, password: PASSWORD } }));
    expect(loggedIn.status).toBe(200);
    expect(setCookieFor(loggedIn, "__Host-Http-device")).toMatch(/; Path=\/; HttpOnly; Secure/);
    expectCleared(loggedIn, "__Host-device");
    expect([...old.cookies.keys()].sort()).toEqual(["__Host-Http-device", "__Host-Http-sid", "__Host-Http-sid.cache"]);
  });

  it("prefers __Host-Http-sid to a __Host-sid beside it, which script could have planted, and clears the old one", async () => {
    const [mine, other] = [new TestBrowser(), new TestBrowser()];
    await mine.send(visits, "/api/visits", https({ method: "POST" }));
    await other.send(visits, "/api/visits", https({ method: "POST" }));
    mine.cookies.set("__Host-sid", beforeTheUpgrade(other).cookies.get("__Host-sid") ?? "");

    const counted = await mine.send(visits, "/api/visits", https({ method: "POST" }));
    expect(await counted.json()).toEqual({ authenticated: false, visits: 2, firstVisit: false });
    expectCleared(counted, "__Host-sid");
    expect(await (await other.send(session, "/api/session", https())).json()).toMatchObject({ visits: 1 });
  });
});
