import type { Config } from "@netlify/functions";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

/**
 * Figures for the storage page: live sessions, the TTL index, and how many expire in each coming
 * bucket. Counts only, no personal data; at most one aggregation per 30 s across every instance.
 */
export default methods({
  GET: async () => json(await services().stats.read(new Date())),
});

export const config: Config = { path: "/api/stats" };
