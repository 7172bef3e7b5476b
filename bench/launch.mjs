// Starts one app in this fresh process: `node bench/launch.mjs <module> [--import-only]`.
// The module exports `start()`, which listens on PORT and prints `{"listening":<port>}`. With
// --import-only it prints `{"importMs":…}`, the time `import()` of the module took, and exits.
// Plain JavaScript on purpose: a .ts launcher would add Node's type stripping to every cold start.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [file, mode] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: node bench/launch.mjs <module> [--import-only]");
// AWS Lambda's Node runtime defines this global, and Netlify's entry point calls it as it loads.
globalThis.awslambda ??= { streamifyResponse: (handler) => handler };
const before = performance.now();
const module = await import(pathToFileURL(resolve(file)).href);
const importMs = performance.now() - before;
if (mode === "--import-only") {
  process.stdout.write(`${JSON.stringify({ importMs })}\n`);
  process.exit(0);
}
// The benchmark holds our stdin open; when it goes away, so do we (no orphaned servers).
process.stdin.on("end", () => process.exit(0)).resume();
process.on("SIGTERM", () => process.exit(0));
module.start();
