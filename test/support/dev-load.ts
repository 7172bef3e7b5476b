// Issue 9.1: netlify dev (netlify-cli 27) runs every invocation of a v2 function in a new worker
// thread. The dev-server suites (test/e2e/dev-server-under-load.test.ts in `npm test`, and
// test/soak/dev-server-soak.test.ts in `npm run test:soak`) use the real dev server the way a
// developer does, many requests in a row, and check that it gives back what each request took:
// threads, memory and database connections.
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLIENT_OPTIONS } from "../../lib/runtime/mongo.ts";
import type { DevServer, SiteAddress } from "./netlify-dev.ts";
import { treeUsage, type TreeUsage } from "./process-tree.ts";
import { until } from "./until.ts";

/** Request streams in parallel during a memory run, each with its own user. */
const STREAMS = 4;
const MB = 1024 * 1024;
const PASSWORD = "correct horse battery";

/** A browser-like client: one cookie jar, the site's Origin on state changes. */
export class Client {
  cookie = "";
  readonly site: string;

  constructor(site: string) {
    this.site = site;
  }

  async send(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { origin: this.site };
    if (this.cookie !== "") headers.cookie = this.cookie;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${this.site}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const jar = new Map(this.cookie.split("; ").filter(Boolean).map((pair) => pair.split("=", 2) as [string, string]));
    for (const line of response.headers.getSetCookie()) {
      const [name = "", value = ""] = (line.split(";")[0] ?? "").split("=", 2);
      if (value === "" || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const text = await response.text();
    return { status: response.status, body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { text } };
  }
}

/** The database's own count of open connections (`serverStatus`), as on any MongoDB server. */
function connectionCounter(uri: string): { current(): Promise<number>; close(): Promise<void> } {
  const observer = new MongoClient(uri, { maxPoolSize: 1 });
  return {
    current: async () => ((await observer.db("admin").command({ serverStatus: 1 })).connections as { current: number }).current,
    close: () => observer.close(),
  };
}

function describeUsage(usage: TreeUsage): string {
  return `${usage.threads} threads, ${Math.round(usage.rssBytes / MB)} MB in ${usage.processes} processes`;
}

/** How hard a dev server is pushed: mixed requests four streams at a time, then one wave of visits at once. */
export interface Load {
  requests: number;
  concurrentVisits: number;
}

/**
 * The checks both ways of starting the dev server must pass: `requests` mixed requests (read the
 * session, count a visit, log in again) leave threads, memory and connections where they were, and
 * `concurrentVisits` visits at once on one cookie all count. Call it inside a `describe`.
 */
export function underLoad({ requests, concurrentVisits }: Load, start: () => Promise<DevServer & SiteAddress>): void {
  let server: DevServer & SiteAddress;
  let connections: ReturnType<typeof connectionCounter>;

  beforeAll(async () => {
    server = await start();
    connections = connectionCounter(server.mongoUri);
  });

  afterAll(async () => {
    await connections?.close();
    await server?.stop();
  });

  it(`gives back the thread, memory and connections of each request: ${requests} requests leave threads within 10, memory within 150 MB, connections at the baseline`, { timeout: Math.max(600_000, requests * 1000) }, async () => {
    const clients = await Promise.all(
      Array.from({ length: STREAMS }, async (_, stream) => {
        const client = new Client(server.url);
        const username = `load${stream}_${Date.now().toString(36)}`;
        expect((await client.send("POST", "/api/register", { username, password: PASSWORD })).status).toBe(201);
        return { client, username };
      }),
    );
    // Baseline once the registrations' workers have gone.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = treeUsage(server.pid);
    const baseline = await connections.current();

    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await connections.current());
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const statuses = new Map<string, number>();
    let next = 0;
    await Promise.all(
      clients.map(async ({ client, username }) => {
        for (let request = next++; request < requests; request = next++) {
          const { status, body } =
            request % 10 === 9
              ? await client.send("POST", "/api/login", { username, password: PASSWORD })
              : request % 2 === 0
                ? await client.send("GET", "/api/session")
                : await client.send("POST", "/api/visits");
          const key = status === 200 ? "200" : `${status} ${JSON.stringify(body).slice(0, 200)}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (request % 2 === 0 && request % 10 !== 9) expect(body).toMatchObject({ authenticated: true });
        }
      }),
    );
    sampling = false;
    await sampler;

    expect(Object.fromEntries(statuses)).toEqual({ "200": requests });
    // While a request runs its worker holds at most a full pool and the monitor's connection, and a
    // stream's next request may start before the last one's worker has closed them: a bound that
    // does not grow with the number of requests, where the leak added two or three per request.
    expect(peak - baseline, `peak ${peak}, baseline ${baseline}`).toBeLessThanOrEqual(2 * STREAMS * (CLIENT_OPTIONS.maxPoolSize + 1));
    expect(await until(() => connections.current(), (open) => open === baseline, 5000)).toBe(baseline);
    const settled = (usage: TreeUsage) => usage.threads <= before.threads + 10 && usage.rssBytes <= before.rssBytes + 150 * MB;
    const after = await until(() => treeUsage(server.pid), settled, 15_000);
    const report = `before: ${describeUsage(before)}; after ${requests} requests: ${describeUsage(after)}`;
    console.log(`dev server: ${report}; connections ${baseline} → peak ${peak} → ${await connections.current()}`);
    expect(after.threads - before.threads, report).toBeLessThanOrEqual(10);
    expect(after.rssBytes - before.rssBytes, report).toBeLessThanOrEqual(150 * MB);
  });

  it(`answers ${concurrentVisits} concurrent visits on one cookie with 200 each, and loses none`, { timeout: 180_000 }, async () => {
    const client = new Client(server.url);
    expect((await client.send("POST", "/api/visits")).body).toMatchObject({ visits: 1 });
    const answers = await Promise.all(Array.from({ length: concurrentVisits }, () => client.send("POST", "/api/visits")));
    const failures = answers.filter((answer) => answer.status !== 200);
    expect(failures.slice(0, 3), `${failures.length} of ${concurrentVisits} failed`).toEqual([]);
    const counted = answers.map((answer) => answer.body.visits).sort((a, b) => Number(a) - Number(b));
    expect(counted).toEqual(Array.from({ length: concurrentVisits }, (_, i) => i + 2));
    expect((await client.send("GET", "/api/session")).body).toMatchObject({ visits: concurrentVisits + 1 });
  });
}
