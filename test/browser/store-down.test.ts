import { describe, expect, it } from "vitest";
import { chromiumAvailable } from "../support/browser.ts";
import type { SiteAddress } from "../support/netlify-dev.ts";
import { until } from "../support/until.ts";
import { expectScreenshotsFit, register, TEST_TIMEOUT_MS, uniqueUsername, useOwnBrowserSite, waitForText } from "./site.ts";

// The site while its session store is gone, through netlify dev and in Chromium: a netlify dev of
// this file's own, since these tests switch its stand-in off (the other suites share one).

function get(site: SiteAddress, path: string): Promise<Response> {
  return fetch(`${site.url}${path}`, { signal: AbortSignal.timeout(10_000) });
}

describe.skipIf(!chromiumAvailable())("the site when the session store goes away", () => {
  const browserSite = useOwnBrowserSite();
  const { openPage } = browserSite;

  it("answers 503 store_unavailable within 5 s once the database goes away, and 200 again when it is back, without a restart", async () => {
    await browserSite.site.standin.suspend();
    try {
      const started = Date.now();
      const response = await get(browserSite.site, "/api/health");
      expect(Date.now() - started).toBeLessThan(5000);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toMatchObject({ error: { code: "store_unavailable" } });
    } finally {
      await browserSite.site.standin.resume();
    }
    const health = async () => {
      const response = await get(browserSite.site, "/api/health");
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const back = await until(health, ({ status }) => status === 200, 15_000);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ ok: true });
  });

  it("says in words that the session store is down, and recovers with Try again", async () => {
    const { page } = await openPage("/");
    await register(page, uniqueUsername("dora"));
    await browserSite.site.standin.suspend();
    try {
      await page.getByRole("button", { name: "Count a visit" }).click();
      await waitForText(page.locator("#visits-status"), "The session store is unavailable right now.");
      await page.reload();
      await waitForText(page.locator("#page-status"), "Couldn't load your session. The session store is unavailable right now.");
      await waitForText(page.locator("#header-user"), "Sign-in status unknown");
      await expectScreenshotsFit(page, "home-store-down");
    } finally {
      await browserSite.site.standin.resume();
    }
    await page.getByRole("button", { name: "Try again" }).click();
    await page.locator("#session-panel").waitFor();
    await page.locator("#page-retry").waitFor({ state: "hidden" });
    expect(await page.locator("#page-status").textContent()).toBe("");
  }, TEST_TIMEOUT_MS);
});
