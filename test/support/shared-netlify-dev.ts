import type { TestProject } from "vitest/node";
import { spawnNetlifyDev, type SiteAddress } from "./netlify-dev.ts";

// The e2e project's global setup: one `netlify dev` (with its stand-in) for every suite that
// needs nothing of its own, instead of one per file: each start costs about 13 s of CPU on this
// 2-core machine. Suites share it as users share a site, each with its own users, and may run at
// the same time. A suite that switches the database off, or sets variables for the functions,
// starts its own (startNetlifyDev).
//
// The setup does not wait for it to be ready: vitest runs no file until every global setup has
// returned, and the unit files have nothing to wait for. Suites wait through sharedSite()
// (test/support/shared-site.ts).

/** Where the shared netlify dev answers, and the process to watch while it starts. */
export interface SharedNetlifyDev extends SiteAddress {
  pid: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    sharedNetlifyDev: SharedNetlifyDev;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const site = await spawnNetlifyDev();
  let failure: unknown;
  site.ready.catch((error: unknown) => {
    failure = error;
  });
  project.provide("sharedNetlifyDev", { url: site.url, mongoUri: site.mongoUri, pid: site.pid });
  return async () => {
    // Read before stopping: a netlify dev stopped here while still starting is no failure.
    const failed = failure;
    await site.stop();
    // The suites that waited for it failed saying it did not start; this says why.
    if (failed !== undefined) throw failed;
  };
}
