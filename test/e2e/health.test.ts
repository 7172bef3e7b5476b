import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNetlifyDev, type NetlifyDev } from "../support/netlify-dev.ts";

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

let site: NetlifyDev;

beforeAll(async () => {
  site = await startNetlifyDev();
});

afterAll(async () => {
  await site?.stop();
});

function get(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${site.url}${path}`, { signal: AbortSignal.timeout(10_000), ...init });
}

/** Polls `path` until it answers `status`, for at most `ms`; resolves to the last response's body. */
async function eventually(path: string, status: number, ms: number): Promise<unknown> {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await get(path);
    const body: unknown = await response.json();
    if (response.status === status || Date.now() > deadline) {
      expect(response.status, JSON.stringify(body)).toBe(status);
      return body;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the site under netlify dev", () => {
  it("serves public/index.html at / with the security headers from netlify.toml", async () => {
    const response = await get("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<!doctype html>/i);
    expect(response.headers.get("content-security-policy")).toBe(CSP);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(response.headers.get("permissions-policy")).toMatch(/camera=\(\)/);
    expect(response.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
  });

  it("reports the store as reachable on GET /api/health", async () => {
    const response = await get("/api/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toMatchObject({ ok: true, store: "mongodb" });
  });

  it("answers 503 store_unavailable within 5 s once the database goes away, and 200 again when it is back, without a restart", async () => {
    await site.standin.suspend();
    try {
      const started = Date.now();
      const response = await get("/api/health");
      expect(Date.now() - started).toBeLessThan(5000);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toMatchObject({ error: { code: "store_unavailable" } });
    } finally {
      await site.standin.resume();
    }
    expect(await eventually("/api/health", 200, 15_000)).toMatchObject({ ok: true });
  });

  it.each([
    ["GET", "/api/nope"],
    ["POST", "/api/nope/deeper?x=1"],
    ["DELETE", "/api"],
  ])("answers %s %s with the API's JSON 404, not Netlify's HTML page", async (method, path) => {
    const response = await get(path, { method });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: { code: "not_found", message: "No API endpoint at this path." } });
  });

  it.each(["/api/session", "/api/sessions/some-id", "/api/cookies"])("leaves %s to its own function, not to the 404", async (path) => {
    const response = await get(path);
    const body = (await response.json()) as { error?: { code?: string } };
    expect(body.error?.code).not.toBe("not_found");
  });

  it("refuses POST /api/health with 405 and an Allow header", async () => {
    const response = await get("/api/health", { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(await response.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});
