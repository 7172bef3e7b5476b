// `npm run dev`: netlify dev with a database and a session secret, whatever the environment has.
// Without MONGODB_URI it starts the in-memory stand-in in this process; without SESSION_SECRETS it
// makes one secret for the run, so every function signs and verifies with the same one.
// It serves the functions as production ships them: netlify dev never runs `[build] command`, so
// this builds the bundles (netlify/build.ts) and rebuilds them on every change (esbuild's watch),
// and netlify dev, watching dist/functions, loads the new bundle on the next request.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FUNCTIONS_OUT, watchFunctions } from "./build.ts";
import { startMongoStandin } from "./mongo-standin/server.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
/** netlify dev's context under `npm run dev`; see netlify.toml. */
const BUNDLES_CONTEXT = "bundles";
// Found the way Node finds any package, so a copy of the site inside the repository finds it too.
const netlify = createRequire(import.meta.url).resolve("netlify-cli/bin/run.js");
const env: NodeJS.ProcessEnv = { ...process.env, BROWSER: "none" };

const standin = env.MONGODB_URI ? undefined : await startMongoStandin({ host: "127.0.0.1" });
if (standin !== undefined) {
  env.MONGODB_URI = standin.uri;
  console.log(`galleta: Sessions are stored in the local MongoDB stand-in at ${standin.uri} (in memory, dev only).`);
} else {
  console.log(`galleta: Sessions are stored in MongoDB at ${redact(env.MONGODB_URI ?? "")}.`);
}
if (!env.SESSION_SECRETS) {
  env.SESSION_SECRETS = randomBytes(32).toString("base64url");
  console.log("galleta: SESSION_SECRETS is not set; signing with a random secret for this run (sessions end when it stops).");
}

const watcher = await watchFunctions(FUNCTIONS_OUT, () => console.log(`galleta: functions built into ${FUNCTIONS_OUT}.`));

// netlify dev starts a worker thread that imports the function afresh for every request (see
// lib/runtime/mongo.ts); Node's compile cache (22.1+) lets each import reuse the code V8 compiled for
// the previous one: about 15% less CPU per request on our 2-core machine.
env.NODE_COMPILE_CACHE ??= join(root, ".netlify", "compile-cache");
// Each of those threads gets a glibc malloc arena of its own, which outlives it: with four requests
// at a time, 1,000 requests left netlify dev 170-250 MB larger; with two arenas shared by all, no larger.
env.MALLOC_ARENA_MAX ??= "2";

// --offline and no edge functions: nothing is fetched (edge functions would download Deno). The
// `bundles` context (netlify.toml) leaves out [context.dev]'s node_bundler = "nft", so netlify dev
// takes the bundles as they are, as production does, instead of tracing every one of them with nft
// first: that tracing was half of this start (26 s → 12 s here). Our own arguments go on to
// netlify dev (e.g. `npm run dev -- --functions-port 9999`).
const args = [
  netlify, "dev", "--offline", "--internal-disable-edge-functions",
  "--port", env.PORT || "8888", "--functions", FUNCTIONS_OUT, "--context", `branch:${BUNDLES_CONTEXT}`,
];
args.push(...process.argv.slice(2));
const child = spawn(process.execPath, args, { cwd: root, env, stdio: "inherit" });

// A terminal's Ctrl-C reaches netlify dev directly (same process group); `kill` reaches only us.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  void Promise.all([watcher.dispose(), standin?.close()]).finally(() => process.exit(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
});

/** The URI with any password replaced, safe to print. */
function redact(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/i, "$1****@");
}
