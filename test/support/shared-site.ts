import { inject } from "vitest";
import { processAlive, waitUntilHealthy, type SiteAddress } from "./netlify-dev.ts";

let ready: Promise<SiteAddress> | undefined;

/**
 * The e2e project's shared netlify dev (test/support/shared-netlify-dev.ts), once it answers
 * GET /api/health with 200. Fails at once if it has exited, and says where to read why.
 */
export function sharedSite(): Promise<SiteAddress> {
  const { url, mongoUri, pid } = inject("sharedNetlifyDev");
  const exited = () => (processAlive(pid) ? undefined : "The shared netlify dev exited while starting: its output is at the end of this run");
  ready ??= waitUntilHealthy(url, exited).then(() => ({ url, mongoUri }));
  return ready;
}
