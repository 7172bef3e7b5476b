import { describe, expect, it } from "vitest";
import reauthenticate from "../../functions/reauthenticate.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import token from "../../functions/token.ts";
import { TestBrowser } from "../support/requests.ts";
import { ageAuthentication, loggedIn } from "./account-harness.ts";
import { expectError, handleOf, PASSWORD, registerUser, useApi } from "./harness.ts";

const api = useApi();

function confirm(browser: TestBrowser, password: string, ip?: string): Promise<Response> {
  return browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password }, ...(ip === undefined ? {} : { ip }) });
}

/** A user logged in long enough ago that sensitive actions need the password again. */
async function staleUser(): Promise<{ username: string; browser: TestBrowser }> {
  const { username } = await registerUser(new TestBrowser());
  const browser = await loggedIn(username);
  await ageAuthentication(api.mongo, browser, 11);
  return { username, browser };
}

describe("POST /api/reauthenticate", { timeout: 30_000 }, () => {
  it("records a new proof of the password on the session, which sensitive actions then accept", async () => {
    const { browser } = await staleUser();
    await expectError(await browser.send(sessions, "/api/sessions", { method: "DELETE" }), 403, "reauthentication_required");
    const before = Date.now();
    const response = await confirm(browser, PASSWORD);
    expect(response.status).toBe(200);
    const { authenticatedAt } = (await response.json()) as { authenticatedAt: string };
    expect(Date.parse(authenticatedAt)).toBeGreaterThanOrEqual(before - 1000);
    const stored = await api.mongo.db.collection<{ _id: string; authenticatedAt: Date }>("sessions").findOne({ _id: handleOf(browser) });
    expect(stored?.authenticatedAt.toISOString()).toBe(authenticatedAt);
    expect((await browser.send(sessions, "/api/sessions", { method: "DELETE" })).status).toBe(200);
  });

  it("shows the new authenticatedAt in the session view", async () => {
    const { browser } = await staleUser();
    const { authenticatedAt } = (await (await confirm(browser, PASSWORD)).json()) as { authenticatedAt: string };
    expect(await (await browser.send(session, "/api/session")).json()).toMatchObject({ session: { authenticatedAt, remember: true } });
  });

  it("answers 401 invalid_credentials for a wrong password and leaves the window closed", async () => {
    const { browser } = await staleUser();
    await expectError(await confirm(browser, "wrong password!"), 401, "invalid_credentials");
    await expectError(await browser.send(sessions, "/api/sessions", { method: "DELETE" }), 403, "reauthentication_required");
  });

  it("is throttled like log-in: after 5 wrong passwords even the right one answers 429 with Retry-After", async () => {
    const { browser } = await staleUser();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expectError(await confirm(browser, `wrong password ${attempt}`, "198.51.100.7"), 401, "invalid_credentials");
    }
    // The browser's device cookie has a counter of its own, at the pair limit (issue 15).
    const refused = await confirm(browser, PASSWORD, "198.51.100.7");
    await expectError(refused, 429, "too_many_attempts");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it.each([
    ["no body field", {}],
    ["a number", { password: 12345678 }],
  ])("answers 400 invalid_input for %s", async (_case, body) => {
    const { browser } = await staleUser();
    await expectError(await browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body }), 400, "invalid_input");
  });

  it("answers 401 unauthenticated without a session", async () => {
    await expectError(await confirm(new TestBrowser(), PASSWORD), 401, "unauthenticated");
  });
});

describe("POST /api/token from a cookie session", { timeout: 30_000 }, () => {
  it("needs a recent log-in: 403 reauthentication_required past the window, a token once re-authenticated", async () => {
    const { browser } = await staleUser();
    await expectError(await browser.send(token, "/api/token", { method: "POST" }), 403, "reauthentication_required");
    await confirm(browser, PASSWORD);
    expect((await browser.send(token, "/api/token", { method: "POST" })).status).toBe(200);
  });
});
