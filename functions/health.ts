import type { Config } from "@netlify/functions";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { storeCall } from "../lib/runtime/mongo.ts";

/** Liveness and store reachability: 200 when MongoDB answers a ping, 503 `store_unavailable` when not. */
export default methods({
  GET: async () => {
    const { db } = services();
    const started = performance.now();
    await storeCall(() => db.command({ ping: 1 }));
    return json({ ok: true, store: "mongodb", latencyMs: Math.round(performance.now() - started) });
  },
});

export const config: Config = { path: "/api/health" };
