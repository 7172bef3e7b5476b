import { describe, expect, it } from "vitest";
import account from "../../functions/account.ts";
import password from "../../functions/password.ts";
import revoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import token from "../../functions/token.ts";
import type { Handler } from "../../lib/http/http.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { TestBrowser } from "../support/requests.ts";
import { loggedIn } from "./account-harness.ts";
import { expectError, handleOf, PASSWORD, registerUser, SECRET } from "./harness.ts";

// With the cookie cache on, a revoked session's browser keeps a copy that reads as live for 30 seconds.
useFunctionEnv({ SESSION_SECRETS: SECRET, SESSION_CACHE_SECONDS: "30" });

describe("sensitive actions with the session cookie cache on", { timeout: 30_000 }, () => {
  it.each<[string, Handler, string, string, unknown]>([
    ["DELETE /api/sessions", sessions, "/api/sessions", "DELETE", undefined],
    ["POST /api/password", password, "/api/password", "POST", { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` }],
    ["DELETE /api/account", account, "/api/account", "DELETE", undefined],
    ["POST /api/token", token, "/api/token", "POST", undefined],
  ])("read the store, not the cached copy: %s from a revoked session answers 401", async (_case, handler, path, method, body) => {
    const { username } = await registerUser(new TestBrowser());
    const [laptop, phone] = await Promise.all([loggedIn(username), loggedIn(username)]);
    expect(phone.cookies.has("sid.cache")).toBe(true);
    const handle = handleOf(phone);
    expect((await laptop.send(revoke, `/api/sessions/${handle}`, { method: "DELETE", params: { id: handle } })).status).toBe(204);
    // The cached copy still answers an ordinary read as logged in: that is the documented price of the cache.
    const stale = phone.request("/api/session");
    expect(await (await session(stale, { ip: "127.0.0.1", params: {} })).json()).toMatchObject({ authenticated: true });
    await expectError(await phone.send(handler, path, { method, ...(body === undefined ? {} : { body }) }), 401, "unauthenticated");
  });
});
