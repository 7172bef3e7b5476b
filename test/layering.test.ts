import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNpmScript } from "./support/npm-script.ts";

const root = join(import.meta.dirname, "..");
// Copying the tree and a run of dependency-cruiser take seconds each when the machine is idle; on a
// shared 2-core machine, past vitest's default 10 s for a hook.
const COPY_AND_CHECK_MS = 60_000;

/**
 * `npm run check:imports` (dependency-cruiser, run by `npm test` in test/checks/) keeps lib/'s imports
 * running one way. These tests prove the rules bite: in a copy of the tree, each adds one import
 * that runs the wrong way and expects the check to fail naming the rule it breaks.
 */
describe("the layering check", () => {
  let copy: string;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "galleta-layering-"));
    for (const entry of ["lib", "functions", "netlify", "test", "public", "tsconfig.json", "package.json", ".dependency-cruiser.mjs"]) {
      cpSync(join(root, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  }, COPY_AND_CHECK_MS);

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const wrongWay = [
    ["the ground floor importing the cookie layer", "lib/http/network.ts", "../cookies/cookie-jar.ts", "http-imports-only-http"],
    ["the cookie layer importing sessions", "lib/cookies/signing.ts", "../sessions/session-id.ts", "cookies-import-only-http"],
    ["the runtime importing sessions", "lib/runtime/development-secret.ts", "../sessions/session-id.ts", "runtime-imports-only-http"],
    ["sessions importing accounts", "lib/sessions/session-id.ts", "../accounts/views.ts", "sessions-import-only-cookies-runtime-http"],
    ["accounts importing the composition root", "lib/accounts/users.ts", "../services.ts", "accounts-import-nothing-above"],
    ["accounts importing the playground", "lib/accounts/tokens.ts", "../playground/playground.ts", "accounts-import-nothing-above"],
    ["the playground importing the composition root", "lib/playground/playground.ts", "../services.ts", "playground-imports-nothing-above"],
    ["lib importing the tooling", "lib/http/validation.ts", "../../netlify/node-url.ts", "lib-never-imports-tooling"],
    ["a function importing test support", "functions/health.ts", "../test/support/ports.ts", "functions-only-through-lib"],
    ["a function importing another function", "functions/stats.ts", "./not-found.ts", "functions-only-through-lib"],
    ["a circle inside one layer", "lib/http/errors.ts", "./validation.ts", "no-circular"],
  ] as const;

  describe("with an import added the wrong way in each layer", () => {
    let result: { ok: boolean; output: string };

    // One run for every case (each start of dependency-cruiser costs seconds): each violation is
    // reported on a line of its own, naming the rule, the importer and what it imports.
    beforeAll(async () => {
      for (const [, file, target] of wrongWay) {
        const path = join(copy, file);
        writeFileSync(path, `import "${target}";\n${readFileSync(path, "utf8")}`);
      }
      result = await runNpmScript("check:imports", copy);
    }, COPY_AND_CHECK_MS);

    it("fails", () => {
      expect(result.ok).toBe(false);
    });

    it.each(wrongWay)("names the rule broken by %s", (_situation, file, target, rule) => {
      const resolved = join(file, "..", target).replaceAll("\\", "/");
      const line = rule === "no-circular" ? `error ${rule}: ${file} → ` : `error ${rule}: ${file} → ${resolved}`;
      expect(result.output).toContain(line);
    });
  });
});
