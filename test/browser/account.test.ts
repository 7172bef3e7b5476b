import { describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { chromiumAvailable } from "../support/browser.ts";
import {
  expectLogInRefused, expectScreenshotsFit, holdNextAnswer, logIn, openTwoDevices, PASSWORD, register, TEST_TIMEOUT_MS, uniqueUsername,
  useBrowserSite, waitForText,
} from "./site.ts";

// Issue 12's account and session control in a real browser, with the default
// re-authentication window (10 minutes), so no action here asks for the password
// again: reauthentication.test.ts makes log-ins old on purpose.

const NEW_PASSWORD = "a brand new passphrase";

/** The session cookie as the browser keeps it (`sid` over plain HTTP). */
async function sessionCookie(context: BrowserContext) {
  const cookie = (await context.cookies()).find((candidate) => candidate.name === "sid");
  expect(cookie, "the browser holds no sid cookie").toBeDefined();
  return cookie;
}

/** Counts a visit and waits for the page to say the session is gone. */
async function expectSignedOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Count a visit" }).click();
  await waitForText(page.locator("#page-status"), "Your session has ended");
  await waitForText(page.locator("#header-user"), "Not signed in");
}

describe.skipIf(!chromiumAvailable())("account and session control in Chromium", () => {
  const browserSite = useBrowserSite();
  const { openPage } = browserSite;

  it("signs out every other device with one button, and they find out on their next request", async () => {
    const username = uniqueUsername("sofia");
    const { page, errors } = await openPage("/");
    await register(page, username);
    const second = await openPage("/");
    await logIn(second.page, username);
    const third = await openPage("/");
    await logIn(third.page, username);

    await page.getByRole("button", { name: "Refresh" }).click();
    await page.locator("#device-list > li").nth(2).waitFor();
    await page.getByRole("button", { name: "Sign out everywhere else" }).click();
    await waitForText(page.locator("#devices-status"), "Signed out 2 other sessions.");
    await page.locator("#device-list > li").nth(1).waitFor({ state: "detached" });
    expect(await page.locator("#device-list > li").count()).toBe(1);
    // Nothing left to sign out: the button goes, and keyboard focus stays in the card.
    await page.getByRole("button", { name: "Sign out everywhere else" }).waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("devices-title");
    expect(await page.locator("#reauth-dialog[open]").count()).toBe(0);

    await expectSignedOut(second.page);
    await expectSignedOut(third.page);
    // This device is still signed in.
    await page.reload();
    await waitForText(page.locator("#header-user"), `Signed in as ${username}`);
    expect([...errors, ...second.errors, ...third.errors]).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it("changes the password on the security page, signs out the other device, and only the new password logs in", async () => {
    const { username, first: { page, errors }, second: other } = await openTwoDevices(browserSite, "tomas");

    // The page's first activity read, made before the change, arrives after the one that follows it.
    const firstRead = await holdNextAnswer(page, "/api/activity");
    await page.getByRole("link", { name: "Security" }).click();
    const form = page.locator("#password-form");
    await form.waitFor();
    await form.getByRole("button", { name: "Change password" }).click();
    await waitForText(page.locator("#password-current-error"), "Enter a password.");
    await waitForText(page.locator("#password-status"), "Please correct the highlighted field.");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("password-current");
    await form.getByLabel("Current password").fill("not the password");
    await form.getByLabel("New password").fill(NEW_PASSWORD);
    await form.getByRole("button", { name: "Change password" }).click();
    await waitForText(page.locator("#password-current-error"), "That is not your current password.");
    expect(await form.getByLabel("Current password").getAttribute("aria-invalid")).toBe("true");

    await form.getByLabel("Current password").fill(PASSWORD);
    await form.getByRole("button", { name: "Change password" }).click();
    await waitForText(page.locator("#password-status"), "Password changed. 1 other session was signed out.");
    expect(await form.getByLabel("New password").inputValue()).toBe("");
    await waitForText(page.locator("#activity-list > li").first(), "Password changed");
    await firstRead.deliver();
    expect(await page.locator("#activity-list > li").first().textContent()).toContain("Password changed");
    expect(await page.locator("#activity-refresh").getAttribute("aria-disabled")).toBeNull();
    await waitForText(page.locator("#header-user"), `Signed in as ${username}`);

    await expectSignedOut(other.page);
    await expectLogInRefused(other.page, username, PASSWORD);
    await logIn(other.page, username, { password: NEW_PASSWORD });
    await waitForText(other.page.locator("#page-status"), `Welcome back, ${username}.`);
    expect([...errors, ...other.errors]).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it("lists the account's security events newest first, in words, with the device and the network", async () => {
    const username = uniqueUsername("ursula");
    const { page, errors } = await openPage("/");
    await register(page, username);
    await page.getByRole("button", { name: "Log out" }).click();
    await expectLogInRefused(page, username, "a wrong password");
    await logIn(page, username);

    await page.goto("/security.html");
    const events = page.locator("#activity-list > li");
    await events.nth(3).waitFor();
    expect(await events.locator(".activity__what").allTextContents()).toEqual([
      "Logged in",
      "1 failed log-in attempt",
      "Logged out",
      "Account created",
    ]);
    expect(await events.evaluateAll((items) => items.map((item) => item.getAttribute("data-type")))).toEqual([
      "logged_in", "login_failed", "logged_out", "registered",
    ]);
    // Headless Chromium on Linux, from loopback (IPv4 or IPv6), shortened to its /24 or /48.
    for (const meta of await events.locator(".activity__meta").allTextContents()) {
      expect(meta).toMatch(/ · Chrome on Linux · network [\d.:a-f]+\/(24|48)$/);
    }
    await expectScreenshotsFit(page, "security");

    await page.getByRole("button", { name: "Español" }).click();
    await waitForText(page.locator("h1"), "Seguridad");
    expect(await events.locator(".activity__what").allTextContents()).toEqual([
      "Inicio de sesión",
      "1 intento fallido de inicio de sesión",
      "Cierre de sesión",
      "Cuenta creada",
    ]);
    await expectScreenshotsFit(page, "security-spanish");
    expect(errors).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it("deletes the account after a confirmation, signs out every device, and the username logs in no more", async () => {
    const { username, first: { page, errors }, second: other } = await openTwoDevices(browserSite, "vera");

    await page.goto("/security.html");
    await page.getByRole("button", { name: "Delete my account…" }).click();
    const question = page.locator("#delete-confirm-text");
    await waitForText(question, `Your account ${username} and everything about it will be gone for good.`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("delete-confirm-text");
    await page.getByRole("button", { name: "Keep my account" }).click();
    await question.waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("delete-start");

    await page.getByRole("button", { name: "Delete my account…" }).click();
    await expectScreenshotsFit(page, "security-delete-confirm");
    await page.getByRole("button", { name: "Yes, delete my account" }).click();
    await waitForText(page.locator("#page-status"), "Your account has been deleted and every device signed out.");
    await page.locator("#signed-out").waitFor();
    await waitForText(page.locator("#header-user"), "Not signed in");
    expect(await page.locator("#security").isHidden()).toBe(true);
    await expectScreenshotsFit(page, "security-deleted");

    await expectSignedOut(other.page);
    await expectLogInRefused(other.page, username, PASSWORD);
    expect([...errors, ...other.errors]).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it("keeps the session cookie past the browser's closing only when 'Keep me signed in' is checked", async () => {
    const username = uniqueUsername("wanda");
    const remembered = await openPage("/");
    await register(remembered.page, username);
    await waitForText(remembered.page.locator("#session-kept"), "Kept signed in");
    expect((await sessionCookie(remembered.context))?.expires).toBeGreaterThan(Date.now() / 1000);

    const shared = await openPage("/");
    expect(await shared.page.getByLabel("Keep me signed in on this device").isChecked()).toBe(true);
    await logIn(shared.page, username, { remember: false });
    await waitForText(shared.page.locator("#session-kept"), "Until the browser closes");
    // -1: a session cookie, which the browser drops when it closes.
    expect((await sessionCookie(shared.context))?.expires).toBe(-1);
    // The form is reset to the safe default for the next person.
    await shared.page.getByRole("button", { name: "Log out" }).click();
    await shared.page.locator("#login-form").waitFor();
    expect(await shared.page.getByLabel("Keep me signed in on this device").isChecked()).toBe(true);
    expect([...remembered.errors, ...shared.errors]).toEqual([]);
  }, TEST_TIMEOUT_MS);
});
