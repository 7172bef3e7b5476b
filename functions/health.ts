import type { Config } from "@netlify/functions";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";
import { storeCall } from "../lib/runtime/mongo.ts";

/**
 * Liveness and store reachability: 200 when MongoDB answers a ping, 503 `store_unavailable` when
 * not; also the mode the instance runs in and Netlify's deploy context, so an operator can see that
 * a deploy is strict. It publishes no timing: a caller could calibrate the database's round trip
 * with it and read the answer times of other routes against it.
 */
export default methods({
  GET: async (_request, context) => {
    const { config, db } = services();
    await storeCall(() => db.command({ ping: 1 }));
    return json({ ok: true, store: "mongodb", mode: config.mode, deployContext: context.deploy?.context || null });
  },
});

export const config: Config = { path: "/api/health" };
