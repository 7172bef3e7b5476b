// Starts the stand-in on its own: `node netlify/mongo-standin/cli.ts [--port N]`; Ctrl-C stops it.
import { parseArgs } from "node:util";
import { startMongoStandin } from "./server.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
  process.exit(2);
}

const standin = await startMongoStandin({ port });
console.log(standin.uri);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void standin.close().then(() => process.exit(0)));
}
