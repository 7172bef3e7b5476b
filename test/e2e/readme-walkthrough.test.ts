import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedSite } from "../support/shared-site.ts";

const run = promisify(execFile);

/** The README's curl walk-through: the first ```sh block after its heading, exactly as a reader would copy it. */
async function walkthrough(): Promise<string> {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("### A walk-through with curl"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("README has no curl walk-through");
  return block;
}

// The e2e project's shared netlify dev (test/support/shared-netlify-dev.ts).
const site = await sharedSite();
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "galleta-walkthrough-"));
});

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe("the README's curl walk-through", () => {
  it("works verbatim against netlify dev", async () => {
    const script = await walkthrough();
    expect(script).toContain("BASE=http://localhost:8888");
    // The only change: the port this test's netlify dev listens on.
    const { stdout } = await run("bash", ["-c", script.replace("BASE=http://localhost:8888", `BASE=${site.url}`)], {
      cwd: folder,
      timeout: 100_000,
    });
    const answers = stdout.replace(/}(?=[{H])/g, "}\n").replace(/(HTTP\/\S+ \d+.*)/g, "\n$1\n").split("\n").map((line) => line.trim()).filter(Boolean);
    expect(answers).toEqual([
      expect.stringMatching(/^\{"authenticated":true,"user":\{"id":"[0-9a-f]{24}","username":"ada_\d+"\},"session":\{.*"visits":0\}$/),
      expect.stringMatching(/^\{"authenticated":true,"user":\{"id":"[0-9a-f]{24}","username":"ada_\d+"\},"session":\{.*"visits":0\}$/),
      expect.stringMatching(/^\{"authenticated":true,"user":\{.*"visits":1,"firstVisit":true\}$/),
      expect.stringMatching(/^\{"authenticated":true,"user":\{.*"visits":2,"firstVisit":false\}$/),
      expect.stringMatching(/^\{"authenticated":true,"user":\{.*"visits":2\}$/),
      expect.stringMatching(/^\{"sessions":\[\{"id":"[0-9a-f]{64}","current":true,.*\]\}$/),
      expect.stringMatching(/^HTTP\/1\.1 204/),
      '{"authenticated":false,"visits":0}',
    ]);
  }, 120_000); // netlify dev builds each function on its first call: slow on a busy 2-core machine
});
