import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runNpmScript } from "../support/npm-script.ts";

// vitest strips types without checking them. `npm test` type-checks here, beside the other
// suites, rather than before them while one core waits.
describe("the project's TypeScript", () => {
  it("type-checks, strict (npm run check:types)", { timeout: 180_000 }, async () => {
    const { ok, output } = await runNpmScript("check:types", fileURLToPath(new URL("../..", import.meta.url)));
    expect(ok, output).toBe(true);
  });
});
