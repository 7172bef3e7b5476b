// The local MongoDB stand-in in a process of its own, so that the load generator and the apps do
// not share its event loop. Prints `{"uri":…}`; then each line `{"replyDelayMs":N}` on stdin delays
// every reply by N ms (a database that far away) and is answered with the same line once set.
// Exits when the benchmark closes our stdin.
import { createInterface } from "node:readline";
import { startMongoStandin } from "../netlify/mongo-standin/server.ts";

const standin = await startMongoStandin({ port: 0 });
process.stdout.write(`${JSON.stringify({ uri: standin.uri })}\n`);
const stop = () => void standin.close().finally(() => process.exit(0));
createInterface({ input: process.stdin })
  .on("line", (line) => {
    const { replyDelayMs } = JSON.parse(line) as { replyDelayMs: number };
    standin.setReplyDelay(replyDelayMs);
    process.stdout.write(`${JSON.stringify({ replyDelayMs })}\n`);
  })
  .on("close", stop);
process.on("SIGTERM", stop);
