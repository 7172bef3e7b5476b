// Issue 9.1: netlify dev (netlify-cli 27) runs every invocation of a v2 function in a new worker
// thread. This suite uses the real dev server the way a developer does, many requests in a row,
// and checks that it gives back what each request took: threads, memory and database connections.
// 100 requests through `npm run dev` are enough to show a leak (the one issue 9.1 found cost 33 MB
// and a thread per request), and 25 visits at once a lost update; `npm run test:soak` runs the
// issue's 1,000 requests and 100 visits at once through it, and through plain `netlify dev`, which
// serves the same functions through the same per-request workers.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Client, underLoad } from "../support/dev-load.ts";
import { startNpmRunDev } from "../support/netlify-dev.ts";
import { replaceFile } from "../support/replace-file.ts";
import { until } from "../support/until.ts";

describe("npm run dev, started with nothing set", () => {
  let server: Awaited<ReturnType<typeof startNpmRunDev>> | undefined;
  underLoad({ requests: 100, concurrentVisits: 25 }, async () => (server = await startNpmRunDev()));

  it("starts its own stand-in and secret, and runs in development mode", async () => {
    expect(server?.output()).toMatch(/local MongoDB stand-in at mongodb:/);
    expect(server?.output()).toMatch(/SESSION_SECRETS is not set; signing with a random secret/);
    const health = await new Client(server?.url ?? "").send("GET", "/api/health");
    expect(health).toMatchObject({ status: 200, body: { ok: true, mode: "development", deployContext: null } });
  });

  it("runs a function's edited source on the next requests, without a restart", async () => {
    // The README's promise: npm run dev rebuilds the bundles on every change, and netlify dev loads the new one.
    const running = server;
    if (!running) throw new Error("npm run dev did not start");
    const source = join(running.site, "functions", "health.ts");
    const original = await readFile(source, "utf8");
    expect(original).toContain("ok: true,");
    await replaceFile(source, original.replace("ok: true,", "ok: true, edited: true,"));
    const client = new Client(running.url);
    // esbuild rebuilds every bundle and netlify dev reloads the function: 9 to 18 s seen at load
    // average 10 to 20 on this 2-core machine.
    const health = await until(() => client.send("GET", "/api/health"), (answer) => answer.body.edited === true, 60_000);
    expect(health).toMatchObject({ status: 200, body: { ok: true, edited: true } });
  }, 90_000);
});
