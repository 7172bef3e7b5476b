import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TIMES, repeatRequest, repeatUntilFailure } from "./repeat.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "galleta-repeat-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A command that notes each run in a file and exits 3 on run `failOn` (0: never). */
function countingRun(failOn: number): readonly string[] {
  const script = `const fs = require("fs"); fs.appendFileSync(process.argv[1], "run\\n"); const runs = fs.readFileSync(process.argv[1], "utf8").split("\\n").length - 1; process.exit(runs === ${failOn} ? 3 : 0);`;
  return ["-e", script, join(dir, "runs")];
}

const runsMade = async () => (await readFile(join(dir, "runs"), "utf8")).split("\n").length - 1;

describe("npm run test:repeat", () => {
  it("runs the command the number of times asked when every run passes", async () => {
    const lines: string[] = [];
    expect(await repeatUntilFailure(process.execPath, countingRun(0), 3, (line) => lines.push(line))).toEqual({ passed: 3 });
    expect(await runsMade()).toBe(3);
    expect(lines.at(-1)).toBe("test:repeat: all 3 runs passed");
  });

  it("stops at the first failed run and says which run it was, with its exit code", async () => {
    const lines: string[] = [];
    expect(await repeatUntilFailure(process.execPath, countingRun(2), 5, (line) => lines.push(line))).toEqual({ passed: 1, failedRun: 2, exitCode: 3 });
    expect(await runsMade()).toBe(2);
    expect(lines.at(-1)).toMatch(/^test:repeat: run 2 of 5 FAILED \(exit 3, \d+ s\); 1 passed before it/);
  });

  it.each([
    [[], {}, DEFAULT_TIMES, []],
    [["7"], {}, 7, []],
    [["7", "test/lib/runtime/mongo.test.ts"], { TEST_REPEAT: "3" }, 7, ["test/lib/runtime/mongo.test.ts"]],
    [["test/lib/runtime/mongo.test.ts", "-t", "stays open"], { TEST_REPEAT: "3" }, 3, ["test/lib/runtime/mongo.test.ts", "-t", "stays open"]],
  ])("takes the number of runs from the first argument, else TEST_REPEAT, else the default (%j, %j)", (args, env, times, vitestArgs) => {
    expect(repeatRequest(args, env)).toEqual({ times, vitestArgs });
  });

  it.each([[["0"], {}], [[], { TEST_REPEAT: "0" }], [[], { TEST_REPEAT: "many" }], [[], { TEST_REPEAT: "2.5" }]])(
    "refuses a number of runs that is not a whole number of 1 or more (%j, %j)",
    (args, env) => {
      expect(() => repeatRequest(args, env)).toThrow(/must be a whole number of runs, 1 or more/);
    },
  );
});
