// The local MongoDB stand-in in a process of its own, so that the load generator and the apps do
// not share its event loop. Prints `{"uri":…}`; exits when the benchmark closes our stdin.
import { startMongoStandin } from "../netlify/mongo-standin/server.ts";

const standin = await startMongoStandin({ port: 0 });
process.stdout.write(`${JSON.stringify({ uri: standin.uri })}\n`);
const stop = () => void standin.close().finally(() => process.exit(0));
process.stdin.on("end", stop).resume();
process.on("SIGTERM", stop);
