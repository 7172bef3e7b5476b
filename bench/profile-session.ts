// Where an uncached `GET /api/session` spends its CPU inside the function (issue 11): the function
// called directly with a web Request, as Netlify's runtime calls it, no HTTP adapter in between, on
// a logged-in session, against the stand-in in a process of its own. Run under the profiler:
//   node --cpu-prof --cpu-prof-dir=bench/results bench/profile-session.ts [requests]
// then open the .cpuprofile it wrote (Chrome DevTools, or any .cpuprofile viewer).
import { randomBytes } from "node:crypto";
import { spawnNode } from "./processes.ts";

const requests = Number(process.argv[2] ?? 20_000);
const standin = await spawnNode<{ uri: string }>([new URL("standin.ts", import.meta.url).pathname], process.env);
Object.assign(process.env, { NODE_ENV: "production", MONGODB_URI: standin.first.uri, MONGODB_DB: "galleta_profile", SESSION_SECRETS: randomBytes(36).toString("base64url"), SESSION_CACHE_SECONDS: "0" });
const { default: register } = await import("../functions/register.ts");
const { default: session } = await import("../functions/session.ts");
const { closeDatabase } = await import("../lib/runtime/mongo.ts");
const context = { ip: "127.0.0.1", params: {} };

const registered = await register(
  new Request("http://localhost/api/register", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "profiled", password: "profiled password 1" }) }),
  context,
);
const cookie = registered.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
const read = async () => {
  const response = await session(new Request("http://localhost/api/session", { headers: { cookie, "user-agent": "bench" } }), context);
  if (!(await response.text()).includes('"authenticated":true')) throw new Error("not logged in");
};
for (let i = 0; i < 2000; i++) await read();
const started = process.cpuUsage();
for (let i = 0; i < requests; i++) await read();
const used = process.cpuUsage(started);
console.log(`${requests} reads: ${((used.user + used.system) / 1000 / requests).toFixed(3)} ms CPU each (the function and the driver)`);
await closeDatabase();
await standin.stop();
