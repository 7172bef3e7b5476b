import { afterAll, beforeAll, expect } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { startNetlifyDev, type NetlifyDev } from "../support/netlify-dev.ts";
import { launchChromium, screenshotAtEveryViewport, VIEWPORTS, watchForPageErrors } from "../support/browser.ts";

// What every browser suite does: the real site (`netlify dev` serving public/
// and the functions, a stand-in MongoDB behind them) with headless Chromium in
// front, one per file since starting netlify dev costs seconds, and the steps
// the pages' flows share. Each test uses its own users.

export const PASSWORD = "correct horse battery";
// A function's first call under netlify dev can take seconds; a flow makes dozens.
export const TEST_TIMEOUT_MS = 120_000;

/** The site and browser of one test file, with a way to open pages in fresh browser profiles. */
export interface BrowserSite {
  /** The running site; valid from the first test on. */
  readonly site: NetlifyDev;
  /**
   * A fresh browser profile (its own cookies and storage) with a page at `path`, watched for errors;
   * `prepare` runs before the page loads (init scripts, a virtual authenticator).
   */
  openPage(
    path: string,
    locale?: string,
    prepare?: (page: Page, context: BrowserContext) => Promise<void>,
  ): Promise<{ page: Page, context: BrowserContext, errors: string[] }>;
}

/**
 * Starts the site and Chromium before the file's tests and stops them after;
 * call it at the top of the file's `describe`. `env` reaches the functions.
 */
export function useBrowserSite(options: { env?: Record<string, string> } = {}): BrowserSite {
  let site: NetlifyDev | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [site, browser] = await Promise.all([startNetlifyDev(options), launchChromium()]);
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await site?.stop();
  }, 60_000);

  return {
    get site() {
      if (!site) throw new Error("The site is not running yet: use it inside a test.");
      return site;
    },
    async openPage(path, locale = "en-US", prepare) {
      if (!site || !browser) throw new Error("The site is not running yet: use it inside a test.");
      const context = await browser.newContext({ baseURL: site.url, locale, viewport: VIEWPORTS.desktop });
      contexts.push(context);
      const page = await context.newPage();
      const errors = watchForPageErrors(page);
      await prepare?.(page, context);
      await page.goto(path);
      return { page, context, errors };
    },
  };
}

/**
 * The recent-log-in window of the suites that test the prompt for it (`SESSION_REAUTH_MINUTES`):
 * short, so a test makes its session "old" by waiting, and generous, because the prompt's retry
 * must land inside it.
 */
export const REAUTH_SECONDS = 15;

/** Waits until this page's session was last authenticated more than REAUTH_SECONDS ago. */
export async function waitUntilLogInIsOld(page: Page): Promise<void> {
  const authenticatedAt = await page.evaluate(async () => {
    const response = await fetch("/api/session");
    const body = (await response.json()) as { session?: { authenticatedAt?: string } };
    return body.session?.authenticatedAt;
  });
  expect(authenticatedAt, "GET /api/session gives no authenticatedAt").toBeTypeOf("string");
  const wait = Date.parse(authenticatedAt ?? "") + (REAUTH_SECONDS + 1) * 1000 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
}

/** A username no other run has used: 3-32 characters of [a-z0-9_.-]. */
export function uniqueUsername(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Waits until `locator` shows `text` (playwright retries until its timeout). */
export function waitForText(locator: Locator, text: string | RegExp): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor();
}

/** Screenshots `page` at every viewport and expects nothing to scroll sideways. */
export async function expectScreenshotsFit(page: Page, name: string): Promise<void> {
  const overflow = await screenshotAtEveryViewport(page, name);
  expect(overflow, `${name} scrolls sideways`).toEqual({ desktop: 0, phone: 0 });
}

/** Creates the account on the home page and waits for the session panel. */
export async function register(page: Page, username: string): Promise<void> {
  const form = page.locator("#register-form");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button", { name: "Create account" }).click();
  await page.locator("#session-panel").waitFor();
}

/** Logs in on the home page; `remember` sets "Keep me signed in" (checked unless said otherwise). */
export async function logIn(page: Page, username: string, { password = PASSWORD, remember = true } = {}): Promise<void> {
  const form = page.locator("#login-form");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  await form.getByLabel("Keep me signed in on this device").setChecked(remember);
  await form.getByRole("button", { name: "Log in" }).click();
  await page.locator("#session-panel").waitFor();
}

/** Tries to log in with a wrong password and waits for the form to say so. */
export async function expectLogInRefused(page: Page, username: string, password: string): Promise<void> {
  const form = page.locator("#login-form");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Log in" }).click();
  await waitForText(page.locator("#login-status"), "Wrong username or password.");
}

/** A new user registered in one browser profile and logged in from a second, each on the home page. */
export async function openTwoDevices(site: BrowserSite, prefix: string) {
  const username = uniqueUsername(prefix);
  const first = await site.openPage("/");
  await register(first.page, username);
  const second = await site.openPage("/");
  await logIn(second.page, username);
  return { username, first, second };
}
