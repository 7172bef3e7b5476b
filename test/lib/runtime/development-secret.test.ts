import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { developmentSecret } from "../../../lib/runtime/development-secret.ts";

const MODULE = new URL("../../../lib/runtime/development-secret.ts", import.meta.url).href;
const directories: string[] = [];

function freshDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "galleta-secret-test-"));
  directories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** developmentSecret(directory) in a new worker thread, as netlify dev runs each request. */
function inWorker(directory: string): Promise<{ secret: string; made: boolean }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     import(workerData.module).then((module) => parentPort.postMessage(module.developmentSecret(workerData.directory)));`,
    { eval: true, workerData: { module: MODULE, directory } },
  );
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

describe("the development secret", () => {
  it("is made once, random, readable by its owner only, and the same on every later call", () => {
    const directory = freshDirectory();
    const first = developmentSecret(directory);
    expect(first?.made).toBe(true);
    expect(first?.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(directory, "galleta-development-secret")).mode & 0o777).toBe(0o600);
    expect(developmentSecret(directory)).toEqual({ secret: first?.secret, made: false });
    expect(developmentSecret(freshDirectory())?.secret).not.toBe(first?.secret);
  });

  // Six workers importing the module at once: seconds on a shared 2-core machine, past vitest's default 5 s.
  it("is the same in every worker thread, even when they start together (netlify dev: one per request)", { timeout: 30_000 }, async () => {
    const directory = freshDirectory();
    const answers = await Promise.all(Array.from({ length: 6 }, () => inWorker(directory)));
    expect(new Set(answers.map((answer) => answer.secret)).size).toBe(1);
    expect(answers.filter((answer) => answer.made)).toHaveLength(1);
  });

  it("is undefined where the file cannot be written, so the caller keeps one in memory", () => {
    const directory = freshDirectory();
    writeFileSync(join(directory, "a-file"), "");
    expect(developmentSecret(join(directory, "a-file", "below"))).toBeUndefined();
  });
});
