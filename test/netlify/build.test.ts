import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFunctions, watchFunctions } from "../../netlify/build.ts";
import { startMongoStandin, type MongoStandin } from "../../netlify/mongo-standin/server.ts";
import { replaceFile } from "../support/replace-file.ts";

const SERVER = fileURLToPath(new URL("../../netlify/function-server.ts", import.meta.url));
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "galleta-build-"));
  await buildFunctions(out);
}, 120_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs `node --input-type=module -e <code>` and returns what it printed. */
function runNode(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.once("error", reject);
    child.once("exit", () => resolve(output));
  });
}

describe("netlify/build.ts", () => {
  it("writes one folder per function: Netlify's entry, one bundle and its source map", async () => {
    const functions = (await readdir(join(fileURLToPath(new URL("../../functions/", import.meta.url))))).filter((file) => file.endsWith(".ts"));
    expect((await readdir(out)).sort()).toEqual(functions.map((file) => file.slice(0, -".ts".length)).sort());
    expect((await readdir(join(out, "session"))).sort()).toEqual(["session.bundle.mjs", "session.bundle.mjs.map", "session.mjs"]);
  });

  it("copies the function's routes into its entry, where zip-it-and-ship-it reads them, with the files to ship", async () => {
    const entry = await readFile(join(out, "session-revoke", "session-revoke.mjs"), "utf8");
    expect(entry).toContain('export const config = { includedFiles: ["session-revoke.bundle.mjs","session-revoke.bundle.mjs.map"], path: "/api/sessions/:id" };');
  });

  it("minifies each bundle", async () => {
    const bundle = await readFile(join(out, "session", "session.bundle.mjs"), "utf8");
    expect(bundle.split("\n").length).toBeLessThan(20);
    expect(bundle).not.toContain("sessionView(");
  });

  it.each(["cookies", "cookie-delete", "not-found"])("leaves the MongoDB driver out of %s, which never uses the database", async (name) => {
    const bundle = await readFile(join(out, name, `${name}.bundle.mjs`), "utf8");
    expect(bundle).not.toContain("MongoServerSelectionError");
  });

  it("keeps the driver in a function that uses the database (so the check above can fail)", async () => {
    expect(await readFile(join(out, "session", "session.bundle.mjs"), "utf8")).toContain("MongoServerSelectionError");
  });

  it("maps a stack trace from a built bundle to the TypeScript line, with no flag given to node", async () => {
    const entry = join(out, "cookies", "cookies.mjs");
    // methods() reads request.method first (lib/http/http.ts); a getter that throws leaves that frame on the stack.
    const stack = await runNode(
      `const { default: handler } = await import(${JSON.stringify(entry)});
       try { await handler({ get method() { throw new Error("boom"); } }, {}); } catch (error) { console.log(error.stack); }`,
    );
    expect(stack).toContain("Error: boom");
    expect(stack).toMatch(/lib\/http\/http\.ts:\d+:\d+/);
    expect(stack).not.toContain("cookies.bundle.mjs");
  });

  it("keeps only galleta's own sources in a bundle's source map", async () => {
    const map = JSON.parse(await readFile(join(out, "session", "session.bundle.mjs.map"), "utf8")) as { sources: string[] };
    expect(map.sources.filter((source) => source.includes("node_modules"))).toEqual([]);
    expect(map.sources.some((source) => source.endsWith("functions/session.ts"))).toBe(true);
  });
});

describe("watchFunctions (npm run dev)", () => {
  const fixture = (word: string) =>
    `export default async (): Promise<Response> => new Response(${JSON.stringify(word)});\nexport const config = { path: "/api/hello" };\n`;
  /** What the built entry answers, in a fresh process (a process caches the modules it has imported). */
  const answer = (entry: string) =>
    runNode(`const { default: handler } = await import(${JSON.stringify(entry)}); console.log(await (await handler()).text());`);

  it("rebuilds a function's bundle and entry when its source changes, so the next import runs the new code", async () => {
    const sources = await mkdtemp(join(tmpdir(), "galleta-watch-src-"));
    const outdir = await mkdtemp(join(tmpdir(), "galleta-watch-out-"));
    let rebuilt: () => void = () => undefined;
    const nextRebuild = () => new Promise<void>((resolve) => (rebuilt = resolve));
    await writeFile(join(sources, "hello.ts"), fixture("first"));
    const first = nextRebuild();
    const watcher = await watchFunctions(outdir, () => rebuilt(), sources);
    try {
      await first;
      const entry = join(outdir, "hello", "hello.mjs");
      expect((await answer(entry)).trim()).toBe("first");
      const second = nextRebuild();
      await replaceFile(join(sources, "hello.ts"), fixture("second"));
      await second;
      expect((await answer(entry)).trim()).toBe("second");
      expect(await readFile(entry, "utf8")).toContain('path: "/api/hello"');
    } finally {
      await watcher.dispose();
      await rm(sources, { recursive: true, force: true });
      await rm(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("the function server, serving the built functions", () => {
  let standin: MongoStandin;
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    standin = await startMongoStandin({ port: 0, host: "127.0.0.1" });
    child = spawn(process.execPath, [SERVER, out], {
      env: { ...process.env, PORT: "0", MONGODB_URI: standin.uri, MONGODB_DB: "galleta_build_test", SESSION_SECRETS: "a-test-secret-of-at-least-32-characters" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    url = await new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the function server exited (${code})`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        const match = /listening on (\S+)/.exec(line);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    });
  }, 60_000);

  afterAll(async () => {
    child?.kill("SIGTERM");
    await standin?.close();
  });

  it("answers a route from a bundle's config.path, through the database", async () => {
    const response = await fetch(`${url}/api/session`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ authenticated: false, visits: 0 });
  });

  it("answers an unknown API path with the JSON 404 of the not-found bundle", async () => {
    const response = await fetch(`${url}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
