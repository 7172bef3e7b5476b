// Throughput and latency of one route under a fixed number of connections, measured with autocannon
// (the load generator Fastify and Node's own HTTP work use), driven programmatically.
import autocannon from "autocannon";

/** One load run's figures. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Requests that did not get a 2xx, plus connection errors and timeouts: a run with any is flagged. */
  failures: number;
  /** Replies by status code. */
  statuses: Record<string, number>;
  /** CPU milliseconds per request spent by the app's process and by the database's (Linux only). */
  appCpuMs?: number;
  dbCpuMs?: number;
  /** …and by the load generator (autocannon, in the benchmark's own process). */
  loadCpuMs?: number;
}

/** One route to hammer. */
export interface LoadTarget {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** A fresh body for every request (overrides `body`). */
  nextBody?: () => string;
  connections: number;
  seconds: number;
}

/** Runs autocannon against `target` and returns its mean requests/s and latency percentiles. */
export async function runLoad(target: LoadTarget): Promise<LoadResult> {
  const result = await autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    ...(target.body === undefined ? {} : { body: target.body }),
    ...(target.nextBody === undefined ? {} : { requests: [{ setupRequest: (request) => ({ ...request, body: target.nextBody?.() }) }] }),
    connections: target.connections,
    duration: target.seconds,
    timeout: 10,
  });
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0])),
  };
}
