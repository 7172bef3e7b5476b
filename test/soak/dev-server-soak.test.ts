// Issue 17: the soak-sized runs of test/e2e/dev-server-under-load.test.ts, in `npm run test:soak`
// (which `.ci/run` runs after `npm test`): issue 9.1's 1,000 requests through `npm run dev`, four
// at a time, and 300 through plain `netlify dev` (the size `npm test` ran before), which must give
// back their threads, memory and connections just as 100 do, then visits at once: 100 under
// `npm run dev`, 50 under plain `netlify dev`. Offline, netlify dev gives a function a fixed 30 s;
// serving the TypeScript sources, it took 35-45 s here to answer 100 at once, and the last of
// them ran out of those 30 s.
import { describe } from "vitest";
import { underLoad } from "../support/dev-load.ts";
import { startNetlifyDev, startNpmRunDev } from "../support/netlify-dev.ts";

/** The 1,000 through `npm run dev`; DEV_LOAD_REQUESTS sets another size. */
const REQUESTS = Number(process.env.DEV_LOAD_REQUESTS ?? 1000);
const PLAIN_REQUESTS = 300;

describe("npm run dev, started with nothing set, under a soak", () => {
  underLoad({ requests: REQUESTS, concurrentVisits: 100 }, startNpmRunDev);
});

describe("plain netlify dev, under a soak", () => {
  underLoad({ requests: PLAIN_REQUESTS, concurrentVisits: 50 }, startNetlifyDev);
});
