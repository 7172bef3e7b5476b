import type { TestProject } from "vitest/node";
import { startNetlifyDev, type SiteAddress } from "./netlify-dev.ts";

// The e2e project's global setup: one `netlify dev` (with its stand-in) for every suite that
// needs nothing of its own, instead of one per file: each start costs about 13 s of CPU on this
// 2-core machine. Suites share it as users share a site, each with its own users, and may run at
// the same time. A suite that switches the database off, or sets variables for the functions,
// starts its own (startNetlifyDev).

declare module "vitest" {
  export interface ProvidedContext {
    sharedNetlifyDev: SiteAddress;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const site = await startNetlifyDev();
  project.provide("sharedNetlifyDev", { url: site.url, mongoUri: site.mongoUri });
  return () => site.stop();
}
