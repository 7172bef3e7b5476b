import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runNpmScript } from "../support/npm-script.ts";

// test/layering.test.ts proves that each rule fails on an import going the wrong way.
describe("the imports of lib/ and functions/", () => {
  it("run one way, as the README's layering says (npm run check:imports)", { timeout: 180_000 }, async () => {
    const { ok, output } = await runNpmScript("check:imports", fileURLToPath(new URL("../..", import.meta.url)));
    expect(ok, output).toBe(true);
  });
});
