import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { MongoClient } from "mongodb";
import { unsignValue } from "../../lib/cookies/signing.ts";
import { sessionKey } from "../../lib/sessions/session-id.ts";
import { startNetlifyDev, TEST_SECRET, type NetlifyDev, type SiteAddress } from "../support/netlify-dev.ts";
import { sharedSite } from "../support/shared-site.ts";
import { accessibilityViolations } from "../support/accessibility.ts";
import { checkAtEveryViewport, launchChromium, VIEWPORTS, watchForPageErrors } from "../support/browser.ts";

// What every browser suite does: the real site (`netlify dev` serving public/
// and the functions, a stand-in MongoDB behind them) with headless Chromium in
// front, and the steps the pages' flows share. The site is the e2e project's
// shared netlify dev unless a suite needs one of its own. Each test uses its own users.

export const PASSWORD = "correct horse battery";
// A function's first call under netlify dev can take seconds; a flow makes dozens.
export const TEST_TIMEOUT_MS = 120_000;

/** The site and browser of one test file, with a way to open pages in fresh browser profiles. */
export interface BrowserSite<Site extends SiteAddress = SiteAddress> {
  /** The running site; valid from the first test on. */
  readonly site: Site;
  /**
   * A fresh browser profile (its own cookies and storage, closed when the test ends) with a page at
   * `path`, watched for errors; `prepare` runs before the page loads (init scripts, a virtual
   * authenticator).
   */
  openPage(
    path: string,
    locale?: string,
    prepare?: (page: Page, context: BrowserContext) => Promise<void>,
  ): Promise<{ page: Page, context: BrowserContext, errors: string[] }>;
}

/**
 * Chromium in front of the e2e project's shared netlify dev (test/support/shared-netlify-dev.ts),
 * launched before the file's tests and closed after; call it at the top of the file's `describe`.
 */
export function useBrowserSite(): BrowserSite {
  return useSiteInChromium(sharedSite, async () => undefined);
}

/** As useBrowserSite, with a netlify dev of the file's own: for a suite that switches its database off. */
export function useOwnBrowserSite(): BrowserSite<NetlifyDev> {
  return useSiteInChromium(() => startNetlifyDev(), (site) => site.stop());
}

function useSiteInChromium<Site extends SiteAddress>(start: () => Promise<Site>, stop: (site: Site) => Promise<void>): BrowserSite<Site> {
  let site: Site | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [site, browser] = await Promise.all([start(), launchChromium()]);
  }, 180_000);

  // Every page a test leaves open is checked as it left it, so a page state no screenshot covers
  // (a new page, an error shown) is held to the same WCAG rules; after a failure, the failure says
  // enough. Then the test's pages go with it: left open, a signed-in home page redraws its countdown
  // every second, and a file's pages add up.
  afterEach(async ({ task }) => {
    const open = contexts.splice(0);
    try {
      if (task.result?.state === "fail") return;
      for (const page of open.flatMap((context) => context.pages()).filter((candidate) => !candidate.isClosed())) {
        expect(await accessibilityViolations(page), `axe-core's WCAG 2.2 A and AA rules on ${page.url()} as the test left it`).toEqual([]);
      }
    } finally {
      await Promise.all(open.map((context) => context.close()));
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (site) await stop(site);
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

/** The site's recent-log-in window: `SESSION_REAUTH_MINUTES`' default, which the browser suites keep. */
const REAUTH_WINDOW_MS = 10 * 60_000;

/**
 * Makes the log-in of this page's session older than the recent-log-in window, as if that much time
 * had passed: its stored `authenticatedAt` moves back past the window (nothing else changes). The
 * site then asks for the password before a sensitive action, as it would ten minutes later, and the
 * retry after the prompt has the whole window to land in.
 */
export async function makeLogInOld(site: SiteAddress, page: Page): Promise<void> {
  const cookie = (await page.context().cookies()).find((candidate) => candidate.name === "sid");
  const id = cookie && unsignValue(decodeURIComponent(cookie.value), [TEST_SECRET], { name: "sid", purpose: "session cookie" });
  if (id === undefined) throw new Error("the page holds no valid session cookie");
  const client = new MongoClient(site.mongoUri);
  try {
    const authenticatedAt = new Date(Date.now() - REAUTH_WINDOW_MS - 60_000);
    const sessions = client.db("galleta").collection<{ _id: string }>("sessions");
    const { modifiedCount } = await sessions.updateOne({ _id: sessionKey(id) }, { $set: { authenticatedAt } });
    expect(modifiedCount, "the page's session is not in the store").toBe(1);
  } finally {
    await client.close();
  }
}

/** A username no other run has used: 3-32 characters of [a-z0-9_.-]. */
export function uniqueUsername(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Waits until `locator` shows `text` (playwright retries until its timeout). */
export function waitForText(locator: Locator, text: string | RegExp): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor();
}

/** An answer the server gave that the page has not received yet (holdNextAnswer). */
export interface HeldAnswer {
  /** Hands the answer to the page; resolves once its script has read the body and acted on it. */
  deliver(): Promise<void>;
}

/** The header the held answer carries, so the page can tell it from the others. */
const HELD_HEADER = "x-test-held-answer";

/**
 * Holds back the answer to the page's next request for `path`: the server answers at once, the page
 * does not get it yet, as on a loaded server or network where a later request's answer overtakes it.
 * `deliver()` hands it over, and resolves once the page's script has read its body and acted on it
 * (`json()` settled, then the microtasks after it).
 */
export async function holdNextAnswer(page: Page, path: string): Promise<HeldAnswer> {
  let release = () => {};
  const released = new Promise<void>((resolve) => { release = resolve; });
  // Marks the held answer as read, in the page as it is and in every page it loads next.
  const markWhenRead = ({ header }: { header: string }) => {
    const json = Response.prototype.json;
    Response.prototype.json = async function read(this: Response): Promise<unknown> {
      const body: unknown = await json.call(this);
      if (this.headers.has(header)) Object.assign(globalThis, { heldAnswerRead: true });
      return body;
    };
  };
  await page.addInitScript(markWhenRead, { header: HELD_HEADER });
  await page.evaluate(markWhenRead, { header: HELD_HEADER });
  await page.route((url) => url.pathname === path, async (route) => {
    const response = await route.fetch();
    await released;
    await route.fulfill({ response, headers: { ...response.headers(), [HELD_HEADER]: "1" } });
  }, { times: 1 });
  return {
    async deliver() {
      release();
      await page.waitForFunction(() => "heldAnswerRead" in globalThis);
    },
  };
}

/**
 * Screenshots `page` at every viewport and expects nothing to scroll sideways and axe-core to find
 * no WCAG 2.2 A or AA violation at either width.
 */
export async function expectScreenshotsFit(page: Page, name: string): Promise<void> {
  const { desktop, phone } = await checkAtEveryViewport(page, name);
  expect({ desktop: desktop.overflow, phone: phone.overflow }, `${name} scrolls sideways`).toEqual({ desktop: 0, phone: 0 });
  expect({ desktop: desktop.violations, phone: phone.violations }, `${name}: axe-core's WCAG 2.2 A and AA rules`).toEqual({ desktop: [], phone: [] });
}

/**
 * Counts the page's `GET /api/session` requests from now on; call `reads()` for the count. The home
 * page asks it as it loads, and renders its own actions (log-in, registration, a visit, log-out) from
 * their answers, without asking again.
 */
export function countSessionReads(page: Page): { reads(): number } {
  let reads = 0;
  page.on("request", (request) => {
    if (request.method() === "GET" && new URL(request.url()).pathname === "/api/session") reads += 1;
  });
  return { reads: () => reads };
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
