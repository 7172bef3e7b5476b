import { describe, expect, it } from "vitest";
import cookieDelete from "../../functions/cookie-delete.ts";
import cookies from "../../functions/cookies.ts";
import health from "../../functions/health.ts";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import notFound from "../../functions/not-found.ts";
import register from "../../functions/register.ts";
import revoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import stats from "../../functions/stats.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import type { Handler } from "../../lib/http/http.ts";
import { ORIGIN } from "../support/requests.ts";
import { expectError, useApi } from "./harness.ts";

useApi();

const context = { ip: "127.0.0.1", params: { id: "0".repeat(64), name: "play.theme" } };

function send(handler: Handler, method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}) {
  const request = new Request(new URL(path, ORIGIN), { method, headers: { origin: ORIGIN, ...init.headers }, body: init.body ?? null, duplex: "half" } as RequestInit);
  return handler(request, context);
}

describe("wrong method on a known path", () => {
  it.each([
    ["/api/health", health, "POST", "GET, HEAD"],
    ["/api/register", register, "GET", "POST"],
    ["/api/login", login, "GET", "POST"],
    ["/api/logout", logout, "GET", "POST"],
    ["/api/session", session, "POST", "GET, HEAD"],
    ["/api/visits", visits, "GET", "POST"],
    ["/api/sessions", sessions, "POST", "GET, DELETE, HEAD"],
    ["/api/sessions/:id", revoke, "GET", "DELETE"],
    ["/api/cookies", cookies, "DELETE", "GET, POST, HEAD"],
    ["/api/cookies/:name", cookieDelete, "POST", "DELETE"],
    ["/api/token", token, "GET", "POST"],
    ["/api/stats", stats, "PUT", "GET, HEAD"],
    ["/api/login", login, "PATCH", "POST"],
    ["/api/visits", visits, "OPTIONS", "POST"],
  ])("%s answers %s with 405 method_not_allowed and Allow: %s", async (path, handler, method, allow) => {
    const response = await send(handler, method, path);
    const allowed = (response.headers.get("allow") ?? "").split(",").map((each) => each.trim());
    expect(allowed.sort()).toEqual(allow.split(", ").sort());
    await expectError(response, 405, "method_not_allowed");
  });
});

describe("unknown /api/* path", () => {
  // netlify.toml rewrites every unclaimed /api/* path, whatever the method, to this function.
  it("answers with a JSON 404 not_found", async () => {
    await expectError(await notFound(), 404, "not_found");
  });
});

const bodyEndpoints: [string, Handler][] = [
  ["/api/register", register],
  ["/api/login", login],
  ["/api/token", token],
  ["/api/cookies", cookies],
];
const json = { "content-type": "application/json" };

/** Valid JSON of exactly `bytes` bytes (UTF-8), padded with `filler`. */
function jsonOfBytes(bytes: number, filler = "a"): string {
  const empty = JSON.stringify({ pad: "" });
  const fillerBytes = Buffer.byteLength(filler);
  const body = JSON.stringify({ pad: filler.repeat(Math.floor((bytes - empty.length) / fillerBytes)) });
  return body + " ".repeat(bytes - Buffer.byteLength(body));
}

describe("request bodies", () => {
  it.each(bodyEndpoints)("%s answers a body over 16 KiB with 413 payload_too_large", async (path, handler) => {
    await expectError(await send(handler, "POST", path, { body: jsonOfBytes(16 * 1024 + 1), headers: json }), 413, "payload_too_large");
  });

  it.each(bodyEndpoints)("%s reads a body of exactly 16 KiB", async (path, handler) => {
    const response = await send(handler, "POST", path, { body: jsonOfBytes(16 * 1024), headers: json });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe("invalid_input");
  });

  it("counts the limit in bytes, not characters", async () => {
    const body = jsonOfBytes(16 * 1024 + 3, "€");
    expect(body.length).toBeLessThan(16 * 1024);
    await expectError(await send(login, "POST", "/api/login", { body, headers: json }), 413, "payload_too_large");
  });

  it("stops reading an endless body soon after 16 KiB", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1024;
        controller.enqueue(new TextEncoder().encode(" ".repeat(1024)));
      },
    });
    await expectError(await send(login, "POST", "/api/login", { body: endless, headers: json }), 413, "payload_too_large");
    expect(pulled).toBeLessThan(64 * 1024);
  });

  it("refuses a declared Content-Length over 16 KiB without reading the body", async () => {
    const response = await send(login, "POST", "/api/login", { body: "{}", headers: { ...json, "content-length": String(1024 * 1024) } });
    await expectError(response, 413, "payload_too_large");
  });

  it.each(bodyEndpoints)("%s answers a body that is not JSON with 415 unsupported_media_type", async (path, handler) => {
    const body = "username=alice&password=secret";
    await expectError(await send(handler, "POST", path, { body, headers: { "content-type": "application/x-www-form-urlencoded" } }), 415, "unsupported_media_type");
  });

  it.each(["text/plain", "application/jsonp", "multipart/form-data; boundary=x"])("answers Content-Type %s with 415", async (type) => {
    await expectError(await send(login, "POST", "/api/login", { body: "{}", headers: { "content-type": type } }), 415, "unsupported_media_type");
  });

  it("answers a JSON body without Content-Type with 415", async () => {
    const request = new Request(new URL("/api/login", ORIGIN), { method: "POST", body: new Blob(['{"username":"a","password":"b"}']) });
    await expectError(await login(request, context), 415, "unsupported_media_type");
  });

  it("accepts application/json with a charset parameter", async () => {
    const response = await send(login, "POST", "/api/login", { body: "{}", headers: { "content-type": "application/json; charset=utf-8" } });
    await expectError(response, 400, "invalid_input");
  });

  it.each(bodyEndpoints)("%s answers malformed JSON with 400 invalid_json", async (path, handler) => {
    await expectError(await send(handler, "POST", path, { body: '{"username": "alice",', headers: json }), 400, "invalid_json");
  });

  it("answers an empty JSON body with 400 invalid_json", async () => {
    await expectError(await send(register, "POST", "/api/register", { body: "", headers: json }), 400, "invalid_json");
  });
});
