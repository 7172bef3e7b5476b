import { describe, expect, it } from "vitest";
import { chromiumAvailable } from "../support/browser.ts";
import {
  expectScreenshotsFit, openTwoDevices, PASSWORD, register, TEST_TIMEOUT_MS, uniqueUsername, useBrowserSite,
  makeLogInOld, waitForText,
} from "./site.ts";

// The password prompt: a site whose sensitive actions need a log-in from the
// last ten minutes; a test makes its session's log-in older than that (makeLogInOld).

describe.skipIf(!chromiumAvailable())("the password prompt in Chromium", () => {
  const browserSite = useBrowserSite();
  const { openPage } = browserSite;

  /** Two devices of one user, the first showing both in its devices list. */
  async function twoDevices(prefix: string) {
    const devices = await openTwoDevices(browserSite, prefix);
    await devices.first.page.getByRole("button", { name: "Refresh" }).click();
    await devices.first.page.locator("#device-list > li").nth(1).waitFor();
    return devices;
  }

  it("asks for the password when the last log-in is too old, then signs out everywhere else without a second click", async () => {
    const { first, second } = await twoDevices("xena");
    const { page } = first;
    await makeLogInOld(browserSite.site, page);

    const opener = page.getByRole("button", { name: "Sign out everywhere else" });
    await opener.click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("reauth-password");
    expect(await page.locator("#reauth-dialog").evaluate((element) => element.matches(":modal"))).toBe(true);
    await expectScreenshotsFit(page, "reauth-dialog");

    await dialog.getByLabel("Your password").fill("not my password");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await waitForText(page.locator("#reauth-password-error"), "That is not your password.");
    expect(await dialog.getByLabel("Your password").getAttribute("aria-invalid")).toBe("true");

    await dialog.getByLabel("Your password").fill(PASSWORD);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.waitFor({ state: "hidden" });
    await waitForText(page.locator("#devices-status"), "Signed out 1 other session.");
    await page.locator("#device-list > li").nth(1).waitFor({ state: "detached" });

    await second.page.getByRole("button", { name: "Count a visit" }).click();
    await waitForText(second.page.locator("#page-status"), "Your session has ended");
    await page.goto("/security.html");
    await waitForText(page.locator("#activity-list > li").first(), "Signed out everywhere else");
    await waitForText(page.locator("#activity-list > li").nth(1), "Password confirmed");
    expect([...first.errors, ...second.errors]).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it("closes on Escape, does nothing, says so and gives focus back to the button that opened it", async () => {
    const { first } = await twoDevices("yara");
    const { page } = first;
    await makeLogInOld(browserSite.site, page);

    await page.getByRole("button", { name: "Sign out everywhere else" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("sign-out-others");
    await waitForText(page.locator("#devices-status"), "This needs your password again, so nothing was changed.");
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.locator("#device-list > li").nth(1).waitFor();
    expect(first.errors).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it("asks before a password change on the security page, in Spanish too, then changes it", async () => {
    const username = uniqueUsername("zoe");
    const { page, errors } = await openPage("/");
    await register(page, username);
    await page.getByRole("link", { name: "Security" }).click();
    await page.locator("#password-form").waitFor();
    await page.getByRole("button", { name: "Español" }).click();
    await makeLogInOld(browserSite.site, page);

    const form = page.locator("#password-form");
    await form.getByLabel("Contraseña actual").fill(PASSWORD);
    await form.getByLabel("Contraseña nueva").fill("another long passphrase");
    await form.getByRole("button", { name: "Cambiar la contraseña" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirma que eres tú" });
    await dialog.waitFor();
    await expectScreenshotsFit(page, "reauth-dialog-spanish");
    await dialog.getByLabel("Tu contraseña").fill(PASSWORD);
    await dialog.getByRole("button", { name: "Confirmar" }).click();
    await waitForText(page.locator("#password-status"), "Contraseña cambiada. No había ningún otro dispositivo con la sesión abierta.");
    expect(await page.evaluate(() => document.activeElement?.closest("form")?.id)).toBe("password-form");
    expect(errors).toEqual([]);
  }, TEST_TIMEOUT_MS);
});
