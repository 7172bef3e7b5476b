import type { Response } from "playwright-core";
import { describe, expect, it } from "vitest";
import { chromiumAvailable } from "../support/browser.ts";
import {
  countSessionReads, expectLogInRefused, expectScreenshotsFit, type HeldAnswer, holdNextAnswer, logIn, PASSWORD, register, TEST_TIMEOUT_MS,
  uniqueUsername, useBrowserSite, waitForText,
} from "./site.ts";

// The real site in headless Chromium (see site.ts): the home page, the cookie
// playground, the storage page and the language switch.

describe.skipIf(!chromiumAvailable())("the front end in Chromium", () => {
  const browserSite = useBrowserSite();
  const { openPage } = browserSite;

  describe("the home page", () => {
    it("registers, counts visits, survives a reload, revokes a second device and logs out", async () => {
      const username = uniqueUsername("ana");
      const { page, errors } = await openPage("/");
      await waitForText(page.locator("#header-user"), "Not signed in");
      await expectScreenshotsFit(page, "home-anonymous");

      await register(page, username);
      await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
      await waitForText(page.locator("#page-status"), `Welcome, ${username}!`);
      expect(await page.locator("#session-user").textContent()).toBe(username);
      await waitForText(page.locator("#session-countdown"), /^\d+:\d\d(:\d\d)?$/);

      const visit = page.getByRole("button", { name: "Count a visit" });
      await visit.click();
      await waitForText(page.locator("#visits-message"), "Welcome! This is your first visit.");
      await visit.click();
      await waitForText(page.locator("#visits-message"), "You have visited 2 times.");

      await page.reload();
      await waitForText(page.locator("#visits-message"), "You have visited 2 times.");
      await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
      expect(await page.locator("#auth").isHidden()).toBe(true);

      // A second device: another browser profile logs in as the same user.
      const other = await openPage("/");
      await logIn(other.page, username);
      await waitForText(other.page.locator("#page-status"), `Welcome back, ${username}.`);

      await page.getByRole("button", { name: "Refresh" }).click();
      const devices = page.locator("#device-list > li");
      await devices.nth(1).waitFor();
      await waitForText(page.locator(".device--current"), "This device");
      await expectScreenshotsFit(page, "home-signed-in");

      await page.locator(".device:not(.device--current)").getByRole("button", { name: /^Revoke/ }).click();
      await waitForText(page.locator("#devices-status"), /^Signed out /);
      await devices.nth(1).waitFor({ state: "detached" });
      expect(await devices.count()).toBe(1);

      // The revoked device finds out on its next request.
      await other.page.getByRole("button", { name: "Count a visit" }).click();
      await waitForText(other.page.locator("#page-status"), "Your session has ended");
      await other.page.locator("#login-form").waitFor();
      await waitForText(other.page.locator("#header-user"), "Not signed in");

      await page.getByRole("button", { name: "Log out" }).click();
      await waitForText(page.locator("#page-status"), "You have logged out.");
      await page.locator("#login-form").waitFor();
      await waitForText(page.locator("#header-user"), "Not signed in");
      expect(await page.locator("#session-panel").isHidden()).toBe(true);

      expect([...errors, ...other.errors]).toEqual([]);
    }, TEST_TIMEOUT_MS);

    it("renders registering, counting a visit, logging out and logging in from their answers, asking GET /api/session only as it loads and showing no devices of the last session", async () => {
      const username = uniqueUsername("dora");
      let session = { reads: () => 0 };
      const { page, errors } = await openPage("/", undefined, async (opened) => {
        session = countSessionReads(opened);
      });
      const reads = () => session.reads();
      await waitForText(page.locator("#header-user"), "Not signed in");
      expect(reads(), "as the page loads").toBe(1);

      await register(page, username);
      await waitForText(page.locator("#page-status"), `Welcome, ${username}!`);
      await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
      // The new user's devices load, as after any sign-in.
      const registered = await page.locator(".device--current").getAttribute("data-session-id");
      expect(reads(), "after registering").toBe(1);

      await page.getByRole("button", { name: "Count a visit" }).click();
      await waitForText(page.locator("#visits-message"), "Welcome! This is your first visit.");
      await page.locator("#visit-button:not([aria-disabled])").waitFor();
      expect(reads(), "after counting a visit").toBe(1);

      await page.getByRole("button", { name: "Log out" }).click();
      await waitForText(page.locator("#page-status"), "You have logged out.");
      await waitForText(page.locator("#header-user"), "Not signed in");
      // The server deleted the session, and its visits with it.
      await waitForText(page.locator("#visits-message"), "No visits counted yet.");
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("login-title");
      expect(reads(), "after logging out").toBe(1);

      const devices = await holdNextAnswer(page, "/api/sessions");
      await logIn(page, username);
      await waitForText(page.locator("#page-status"), `Welcome back, ${username}.`);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("session-title");
      // Until the new session's devices arrive, the list shows none of the last session's.
      expect(await page.locator("#device-list > li").count(), "devices shown before the new list arrived").toBe(0);
      await devices.deliver();
      await page.locator(`.device--current:not([data-session-id="${registered}"])`).waitFor();
      expect(reads(), "after logging in").toBe(1);
      expect(errors).toEqual([]);
    }, TEST_TIMEOUT_MS);

    it("shows the API's refusals next to the field or form they concern", async () => {
      const username = uniqueUsername("bea");
      const { page, errors } = await openPage("/");
      const registerForm = page.locator("#register-form");
      await registerForm.getByLabel("Username").fill("ab");
      await registerForm.getByLabel("Password").fill("short");
      await registerForm.getByRole("button", { name: "Create account" }).click();
      await waitForText(page.locator("#register-username-error"), "Use 3 to 32 characters");
      await waitForText(page.locator("#register-password-error"), "Use 8 to 256 characters.");
      expect(await registerForm.getByLabel("Username").getAttribute("aria-invalid")).toBe("true");

      await register(page, username);
      await page.getByRole("button", { name: "Log out" }).click();
      await page.locator("#login-form").waitFor();

      // The server's 409 username_taken, shown under the username.
      await registerForm.getByLabel("Username").fill(username);
      await registerForm.getByLabel("Password").fill(PASSWORD);
      await registerForm.getByRole("button", { name: "Create account" }).click();
      await waitForText(page.locator("#register-username-error"), "That username is taken.");

      // The server's 401 invalid_credentials, shown in the form.
      await expectLogInRefused(page, username, "not the password");
      expect(errors).toEqual([]);
    }, TEST_TIMEOUT_MS);

    it("counts visits for an anonymous visitor", async () => {
      const { page } = await openPage("/");
      await waitForText(page.locator("#visits-message"), "No visits counted yet.");
      await page.getByRole("button", { name: "Count a visit" }).click();
      await waitForText(page.locator("#visits-message"), "Welcome! This is your first visit.");
      await page.reload();
      await waitForText(page.locator("#visits-message"), "Welcome! This is your first visit.");
      await waitForText(page.locator("#header-user"), "Not signed in");
    }, TEST_TIMEOUT_MS);

    it("keeps a visit's answer when the session read sent as the page loaded arrives after it", async () => {
      let firstRead: HeldAnswer | undefined;
      const { page, errors } = await openPage("/", undefined, async (opened) => {
        firstRead = await holdNextAnswer(opened, "/api/session");
      });
      await page.getByRole("button", { name: "Count a visit" }).click();
      await waitForText(page.locator("#visits-message"), "Welcome! This is your first visit.");
      await firstRead?.deliver();
      expect(await page.locator("#visits-message").textContent()).toBe("Welcome! This is your first visit.");
      // The read's banner goes with it.
      expect(await page.locator("#page-status").textContent()).toBe("");
      expect(errors).toEqual([]);
    }, TEST_TIMEOUT_MS);
  });

  describe("the cookie playground", () => {
    it("sets plain and signed cookies in its play. namespace, shows a tampered one as tampered, deletes them, and never shows another cookie", async () => {
      // The page's first read, made before any cookie was set, arrives after the read that follows setting one.
      let firstRead: HeldAnswer | undefined;
      const { page, context, errors } = await openPage("/cookies.html", undefined, async (opened, browserContext) => {
        firstRead = await holdNextAnswer(opened, "/api/cookies");
        // Another app's HttpOnly cookie, which the browser sends this site too (as from a parent domain).
        await browserContext.addCookies([{ name: "other_app_session", value: "another-apps-secret", url: browserSite.site.url, httpOnly: true }]);
      });
      const form = page.locator("#cookie-form");
      const setCookie = async (name: string, value: string, options: { signed: boolean, httpOnly: boolean, maxAge?: string }) => {
        await form.getByLabel("Name", { exact: true }).fill(name);
        await form.getByLabel("Value", { exact: true }).fill(value);
        await form.getByLabel("maxAge in milliseconds").fill(options.maxAge ?? "");
        await form.getByLabel("Signed", { exact: true }).setChecked(options.signed);
        await form.getByLabel("HttpOnly", { exact: true }).setChecked(options.httpOnly);
        await form.getByRole("button", { name: "Set cookie" }).click();
        await waitForText(page.locator("#cookie-form-status"), `The server set play.${name}.`);
      };
      const plain = page.locator("#list-plain");
      const signed = page.locator("#list-signed");
      const tampered = page.locator("#list-tampered");

      await setCookie("theme", "dark", { signed: false, httpOnly: false, maxAge: "60000" });
      await waitForText(plain.locator('[data-cookie="play.theme"]'), "dark");
      await firstRead?.deliver();
      expect(await plain.locator('[data-cookie="play.theme"]').count()).toBe(1);
      expect(await plain.getAttribute("aria-busy")).toBe("false");
      await setCookie("plan", "free", { signed: true, httpOnly: false });
      await setCookie("role", "user", { signed: true, httpOnly: true });
      await waitForText(plain.locator('[data-cookie="play.theme"]'), "dark");
      await waitForText(signed.locator('[data-cookie="play.plan"]'), "free");
      await waitForText(signed.locator('[data-cookie="play.role"]'), "out of JavaScript's reach");
      expect(await signed.locator('[data-cookie="play.role"] [data-action="tamper"]').count()).toBe(0);
      const seenByScript = await page.locator("#document-cookie").textContent();
      expect(seenByScript).toContain("play.theme=dark");
      expect(seenByScript).not.toContain("play.role=");
      // The namespace is part of the lesson, shown where the name is typed; nothing outside it reaches the page.
      expect(await form.locator("#cookie-name-prefix").textContent()).toBe("play.");
      expect(await page.locator("#received").textContent()).not.toMatch(/other_app_session|another-apps-secret/);
      expect((await context.cookies()).map((cookie) => cookie.name)).toContain("other_app_session");
      await expectScreenshotsFit(page, "cookies");

      await signed.locator('[data-cookie="play.plan"]').getByRole("button", { name: "Tamper with the cookie play.plan" }).click();
      await tampered.locator('[data-cookie="play.plan"]').waitFor();
      await signed.locator('[data-cookie="play.plan"]').waitFor({ state: "detached" });
      await waitForText(page.locator("#cookies-status"), "The server no longer trusts it.");
      await expectScreenshotsFit(page, "cookies-tampered");

      await tampered.getByRole("button", { name: "Delete the cookie play.plan" }).click();
      await waitForText(tampered, "Nothing tampered with, yet.");
      await plain.getByRole("button", { name: "Delete the cookie play.theme" }).click();
      await waitForText(plain, "No plain cookies.");
      await signed.getByRole("button", { name: "Delete the cookie play.role" }).click();
      await waitForText(signed, "No signed cookies.");
      expect(errors).toEqual([]);
    }, TEST_TIMEOUT_MS);
  });

  describe("the storage page", () => {
    it("shows the live session count, the TTL index and a bar per expiry bucket", async () => {
      // Sessions of our own, so the chart has something to draw.
      const { page: home } = await openPage("/");
      await register(home, uniqueUsername("cleo"));

      // The figures the page itself was sent: other suites share this server, so a second
      // request could count their sessions too.
      let statsSent: Promise<Response> | undefined;
      const { page, errors } = await openPage("/storage.html", undefined, async (storage) => {
        statsSent = storage.waitForResponse((response) => new URL(response.url()).pathname === "/api/stats");
      });
      await page.locator("#stats").waitFor();
      if (!statsSent) throw new Error("openPage did not run its prepare step");
      const response = await statsSent;
      expect(response.status()).toBe(200);
      const stats = (await response.json()) as { activeSessions: number, expiries: { counts: number[] } };
      expect(stats.activeSessions).toBeGreaterThan(0);
      const shown = await page.locator("#stat-active").textContent();
      expect(Number(shown?.replace(/\D/g, ""))).toBe(stats.activeSessions);
      await waitForText(page.locator("#ttl-index"), "expireAfterSeconds: 0");
      expect(await page.locator("#ttl-index").textContent()).toContain("key: { expiresAt: 1 }");

      const bars = page.locator("#expiry-chart rect.chart__bar");
      expect(await bars.count()).toBe(stats.expiries.counts.length);
      const drawn = await bars.evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute("data-count"))));
      expect(drawn).toEqual(stats.expiries.counts);
      if (stats.expiries.counts.some((count) => count > 0)) {
        const heights = await bars.evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute("height"))));
        expect(Math.max(...heights)).toBeGreaterThan(0);
      }
      expect(await page.locator("#expiry-chart svg").getAttribute("aria-label")).toMatch(/^Bar chart/);
      await expectScreenshotsFit(page, "storage");
      expect(errors).toEqual([]);
    }, TEST_TIMEOUT_MS);
  });

  describe("the language switch", () => {
    it("follows the browser's language, switches on demand and remembers the choice", async () => {
      const { page, errors } = await openPage("/", "es-ES");
      await waitForText(page.locator("h1"), "Tu sesión, guardada en el servidor");
      expect(await page.locator("html").getAttribute("lang")).toBe("es");
      await waitForText(page.locator("#header-user"), "Sin iniciar sesión");
      await expectScreenshotsFit(page, "home-spanish");
      // Each button's name starts with what it shows, for voice control ("click EN"), and goes on
      // to name the language, in that language, for a screen reader.
      const names = await page.locator("[data-lang]").evaluateAll((buttons) => buttons.map((button) => [button.textContent, button.getAttribute("lang")]));
      expect(names).toEqual([["EN English", "en"], ["ES Español", "es"]]);
      expect(await page.getByRole("button", { name: "EN English", exact: true }).count()).toBe(1);
      expect(await page.getByRole("button", { name: "ES Español", exact: true }).count()).toBe(1);

      await page.getByRole("button", { name: "English" }).click();
      await waitForText(page.locator("h1"), "Your session, kept on the server");
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      await page.reload();
      await waitForText(page.locator("h1"), "Your session, kept on the server");

      await page.getByRole("button", { name: "Español" }).click();
      await page.getByRole("link", { name: "Almacén" }).click();
      await waitForText(page.locator("h1"), "¿Dónde vive una sesión?");
      await page.locator("#stats").waitFor();
      await waitForText(page.locator("#chart-caption"), "Sesiones activas según cuándo caducan");
      expect(await page.getByRole("button", { name: "Español" }).getAttribute("aria-pressed")).toBe("true");
      await expectScreenshotsFit(page, "storage-spanish");
      expect(errors).toEqual([]);
    }, TEST_TIMEOUT_MS);
  });
});
