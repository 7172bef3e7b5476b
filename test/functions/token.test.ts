import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import revoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import type { Handler } from "../../lib/http/http.ts";
import { issueToken } from "../../lib/accounts/tokens.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, handleOf, PASSWORD, registerUser, SECRET, setCookieFor, useApi } from "./harness.ts";

const api = useApi();
let user: { username: string; id: string };

beforeAll(async () => {
  user = await registerUser(new TestBrowser());
});

/** An API client: no cookies, no Origin, just the token. */
function bearer(handler: Handler, path: string, accessToken: string, init: { method?: string; params?: Record<string, string> } = {}) {
  const headers = { authorization: `Bearer ${accessToken}` };
  const request = new Request(new URL(path, "http://localhost:8888"), { method: init.method ?? "GET", headers });
  return handler(request, { ip: "127.0.0.1", params: init.params ?? {} });
}

async function tokenFor(username = user.username): Promise<{ token: string; expiresAt: string }> {
  const response = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username, password: PASSWORD } });
  expect(response.status).toBe(200);
  return (await response.json()) as { token: string; expiresAt: string };
}

async function expectInvalidToken(response: Response): Promise<void> {
  expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  await expectError(response, 401, "invalid_token");
}

describe("POST /api/token", { timeout: 20_000 }, () => {
  it("issues a 15-minute HS256 JWT for a username and password, bound to a new server-side session", async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username: user.username, password: PASSWORD } });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    const body = (await response.json()) as { token: string; expiresAt: string };
    expect(decodeProtectedHeader(body.token)).toMatchObject({ alg: "HS256" });
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({ sub: user.id, iss: expect.any(String), aud: expect.anything(), sid: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(claims.iat).toBeGreaterThanOrEqual(before - 1);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(15 * 60);
    expect(Date.parse(body.expiresAt)).toBe((claims.exp ?? 0) * 1000);
    const stored = await api.mongo.db.collection<{ _id: string }>("sessions").findOne({ _id: claims.sid as string });
    expect(stored).toMatchObject({ userId: user.id });
  });

  it("issues a token bound to the caller's own session when called logged in, without a body", async () => {
    const browser = new TestBrowser();
    await browser.send(login, "/api/login", { method: "POST", body: { username: user.username, password: PASSWORD } });
    const response = await browser.send(token, "/api/token", { method: "POST" });
    expect(response.status).toBe(200);
    const { token: accessToken } = (await response.json()) as { token: string };
    expect(decodeJwt(accessToken).sid).toBe(handleOf(browser));
    await browser.send(logout, "/api/logout", { method: "POST" });
    await expectInvalidToken(await bearer(session, "/api/session", accessToken));
  });

  it("refuses to mint a token from another token (403 cookie_session_required): a leaked token cannot renew itself", async () => {
    const { token: leaked } = await tokenFor();
    const response = await bearer(token, "/api/token", leaked, { method: "POST" });
    const text = await response.clone().text();
    expect(text).not.toMatch(/"token"/);
    await expectError(response, 403, "cookie_session_required");
    // Nor with the browser's own cookie beside it: the bearer token is what the request presents.
    const browser = new TestBrowser();
    await browser.send(login, "/api/login", { method: "POST", body: { username: user.username, password: PASSWORD } });
    const both = await browser.send(token, "/api/token", { method: "POST", headers: { authorization: `Bearer ${leaked}` } });
    await expectError(both, 403, "cookie_session_required");
  });

  it("answers 401 unauthenticated without a body and without a logged-in session", async () => {
    await expectError(await new TestBrowser().send(token, "/api/token", { method: "POST" }), 401, "unauthenticated");
  });

  it("answers 401 invalid_credentials for a wrong password", async () => {
    const response = await new TestBrowser().send(token, "/api/token", { method: "POST", body: { username: user.username, password: "wrong password" } });
    await expectError(response, 401, "invalid_credentials");
  });
});

describe("Authorization: Bearer", { timeout: 20_000 }, () => {
  it("is accepted by GET /api/session", async () => {
    const { token: accessToken } = await tokenFor();
    const response = await bearer(session, "/api/session", accessToken);
    expect(await response.json()).toMatchObject({ authenticated: true, user: { id: user.id, username: user.username } });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("is accepted by POST /api/visits without an Origin, counting in the token's session", async () => {
    const { token: accessToken } = await tokenFor();
    expect(await (await bearer(visits, "/api/visits", accessToken, { method: "POST" })).json()).toMatchObject({ authenticated: true, user, visits: 1, firstVisit: true });
    const second = await bearer(visits, "/api/visits", accessToken, { method: "POST" });
    expect(await second.json()).toMatchObject({ authenticated: true, user, visits: 2, firstVisit: false });
    expect(second.headers.getSetCookie()).toEqual([]);
  });

  it("is accepted by GET /api/sessions, which marks the token's session as current", async () => {
    const { token: accessToken } = await tokenFor();
    const response = await bearer(sessions, "/api/sessions", accessToken);
    const body = (await response.json()) as { sessions: { id: string; current: boolean }[] };
    expect(body.sessions.find((device) => device.current)?.id).toBe(decodeJwt(accessToken).sid);
  });

  it("is accepted by POST /api/logout without an Origin, after which the token is refused", async () => {
    const { token: accessToken } = await tokenFor();
    expect((await bearer(logout, "/api/logout", accessToken, { method: "POST" })).status).toBe(204);
    await expectInvalidToken(await bearer(session, "/api/session", accessToken));
  });

  it("is refused with 401 invalid_token once its session is revoked from another session", async () => {
    const { token: accessToken } = await tokenFor();
    expect((await bearer(session, "/api/session", accessToken)).status).toBe(200);
    const browser = new TestBrowser();
    await browser.send(login, "/api/login", { method: "POST", body: { username: user.username, password: PASSWORD } });
    const id = decodeJwt(accessToken).sid as string;
    expect((await browser.send(revoke, `/api/sessions/${id}`, { method: "DELETE", params: { id } })).status).toBe(204);
    for (const [handler, path, method] of [
      [session, "/api/session", "GET"],
      [visits, "/api/visits", "POST"],
      [sessions, "/api/sessions", "GET"],
      [logout, "/api/logout", "POST"],
    ] as const) {
      await expectInvalidToken(await bearer(handler, path, accessToken, { method }));
    }
  });

  it("wins over a cookie: a bad token is refused even beside a valid session cookie", async () => {
    const browser = new TestBrowser();
    await browser.send(login, "/api/login", { method: "POST", body: { username: user.username, password: PASSWORD } });
    const response = await browser.send(session, "/api/session", { headers: { authorization: "Bearer not.a.token" } });
    await expectInvalidToken(response);
  });

  const other = "another-secret-that-is-long-enough-0000000";
  it.each([
    ["a tampered signature", async (good: string) => good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA")],
    ["a tampered payload", async (good: string) => {
      const [header, , signature] = good.split(".");
      const payload = Buffer.from(JSON.stringify({ ...decodeJwt(good), sub: "000000000000000000000000" })).toString("base64url");
      return `${header}.${payload}.${signature}`;
    }],
    ["a signature by another secret", async (good: string) => {
      const claims = decodeJwt(good);
      return (await issueToken({ userId: claims.sub as string, sessionKey: claims.sid as string }, [other], new Date())).token;
    }],
    ["an expiry in the past", async (good: string) => {
      const claims = decodeJwt(good);
      const sixteenMinutesAgo = new Date(Date.now() - 16 * 60 * 1000);
      return (await issueToken({ userId: claims.sub as string, sessionKey: claims.sid as string }, [SECRET], sixteenMinutesAgo)).token;
    }],
    ["no signature (alg none)", async (good: string) => {
      const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
      return `${header}.${good.split(".")[1]}.`;
    }],
    ["the session cookie's key instead of the token key", async (good: string) => {
      const claims = decodeJwt(good);
      return new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));
    }],
    ["garbage", async () => "garbage"],
  ])("is refused with 401 invalid_token and WWW-Authenticate for %s", async (_case, forge) => {
    const { token: good } = await tokenFor();
    expect((await bearer(session, "/api/session", good)).status).toBe(200);
    await expectInvalidToken(await bearer(session, "/api/session", await forge(good)));
  });

  it.each([["Basic dXNlcjpwYXNz"], ["Bearer"], ["Bearer a b"]])("answers a malformed Authorization header (%s) with 401 invalid_token", async (authorization) => {
    const request = new Request("http://localhost:8888/api/session", { headers: { authorization } });
    await expectInvalidToken(await session(request, { ip: "127.0.0.1", params: {} }));
  });

  it("leaves a token's session usable by the token alone, never as a cookie", async () => {
    const { token: accessToken } = await tokenFor();
    const response = await bearer(session, "/api/session", accessToken);
    expect(setCookieFor(response, "sid")).toBeUndefined();
  });
});
