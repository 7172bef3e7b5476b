// Issue 17: the soak-sized run of test/e2e/dev-server-under-load.test.ts, in `npm run test:soak`
// (which `.ci/run` runs after `npm test`): issue 9.1's 1,000 requests through `npm run dev`,
// four at a time, which must give back their threads, memory and connections just as 100 do.
import { describe } from "vitest";
import { underLoad } from "../support/dev-load.ts";
import { startNpmRunDev } from "../support/netlify-dev.ts";

/** The 1,000; DEV_LOAD_REQUESTS sets another size. */
const REQUESTS = Number(process.env.DEV_LOAD_REQUESTS ?? 1000);

describe("npm run dev, started with nothing set, under a soak", () => {
  underLoad({ requests: REQUESTS, concurrentVisits: true }, async () => {
    const server = await startNpmRunDev();
    return { server, mongoUri: server.mongoUri };
  });
});
