import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { accessibilityViolations } from "./accessibility.ts";

/**
 * Chromium's headless shell from Debian (the `chromium-headless-shell` package): the same Blink and
 * V8 as the `chromium` package, without the desktop browser around them, and what playwright itself
 * runs for headless Chromium. A fresh browser profile with a page costs about 0.2 CPU-seconds in it
 * against 1.1 in the full browser's headless mode, which took the browser suites' Chromium from
 * about 140 CPU-seconds to under 60. playwright's own browser downloads are not used.
 */
export const CHROMIUM_PATH = "/usr/bin/chromium-headless-shell";

const SCREENSHOTS = fileURLToPath(new URL("../../test-output/screenshots/", import.meta.url));

/** The viewports every page is checked at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 360, height: 740 },
} as const;

/**
 * Whether the browser suites can run. On CI a missing Chromium is a broken
 * machine, so it throws; elsewhere the suite is skipped with a loud message.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `${CHROMIUM_PATH} is missing: install it with \`apt-get install -y chromium-headless-shell\`.`;
  if (process.env.CI === "true") throw new Error(`Browser tests cannot run: ${message}`);
  console.warn(`\n${"!".repeat(72)}\n  SKIPPING the browser tests: ${message}\n${"!".repeat(72)}\n`);
  return false;
}

/** Launches headless Chromium; each launch gets a fresh temporary profile, each context fresh cookies. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-quic",
      "--disable-sync",
    ],
  });
}

/**
 * Collects what would make a page silently broken: uncaught exceptions and
 * Content-Security-Policy violations (an inline style or script the policy blocked).
 */
export function watchForPageErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  return problems;
}

/** Page width beyond the viewport, in CSS pixels: 0 when nothing scrolls sideways. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** One page state at one viewport: how far it scrolls sideways, and axe-core's WCAG 2.2 A and AA violations. */
export interface ViewportCheck {
  readonly overflow: number;
  readonly violations: string[];
}

/**
 * Saves a full-page screenshot of `page` at each viewport under test-output/screenshots/ and
 * returns, at each, the horizontal overflow and what axe-core finds (accessibilityViolations).
 */
export async function checkAtEveryViewport(page: Page, name: string): Promise<Record<keyof typeof VIEWPORTS, ViewportCheck>> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize();
  const checks: Partial<Record<keyof typeof VIEWPORTS, ViewportCheck>> = {};
  for (const [viewport, size] of Object.entries(VIEWPORTS) as Array<[keyof typeof VIEWPORTS, { width: number, height: number }]>) {
    await page.setViewportSize(size);
    // Layout (and the chart, redrawn by a ResizeObserver) settles within two frames.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const overflow = await horizontalOverflow(page);
    await page.screenshot({ path: `${SCREENSHOTS}${name}-${viewport}.png`, fullPage: true });
    checks[viewport] = { overflow, violations: await accessibilityViolations(page) };
  }
  if (original) await page.setViewportSize(original);
  return checks as Record<keyof typeof VIEWPORTS, ViewportCheck>;
}
