import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults, Result, RunOptions } from "axe-core";
import type { Page } from "playwright-core";

/** axe-core's tags for the WCAG 2.0, 2.1 and 2.2 success criteria of levels A and AA. */
export const WCAG_22_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] as const;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * The WCAG 2.2 A and AA violations axe-core finds in `page` as it is now, one line each: the rule,
 * the element, what the rule asks, and where its explanation is. axe is evaluated through the
 * DevTools protocol, which the pages' Content-Security-Policy does not govern (a script tag would be
 * refused, and turning the policy off would test another page than the one users get).
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE_SOURCE);
  const options: RunOptions = { runOnly: { type: "tag", values: [...WCAG_22_AA_TAGS] }, resultTypes: ["violations"] };
  const results = await page.evaluate(
    (runOptions) => (globalThis as unknown as { axe: { run(context: Document, options: RunOptions): Promise<AxeResults> } }).axe.run(document, runOptions),
    options,
  );
  return results.violations.flatMap(describe);
}

function describe(violation: Result): string[] {
  return violation.nodes.map((node) => `${violation.id} at ${node.target.join(" ")}: ${violation.help} (${violation.impact ?? "no impact"}; ${violation.helpUrl})`);
}
