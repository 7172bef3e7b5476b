import { describe, expect, it } from "vitest";
import { sharedSite } from "../support/shared-site.ts";

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

// The e2e project's shared netlify dev (test/support/shared-netlify-dev.ts); test/browser/store-down.test.ts
// switches a database off, on a netlify dev of its own.
const site = await sharedSite();

function get(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${site.url}${path}`, { signal: AbortSignal.timeout(10_000), ...init });
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
