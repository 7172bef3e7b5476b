import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedSite } from "../support/shared-site.ts";

// The e2e project's shared netlify dev (test/support/shared-netlify-dev.ts).
const site = await sharedSite();

/** A cookie-keeping client speaking HTTP to netlify dev, sending the site's Origin as a browser does. */
class Client {
  cookie = "";
  async call(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { origin: site.url };
    if (this.cookie !== "") headers.cookie = this.cookie;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${site.url}${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(15_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      if (!pair.startsWith("sid=")) continue;
      this.cookie = /max-age=0(;|$)/i.test(line) ? "" : pair;
    }
    return response;
  }
}

describe("account and session control through netlify dev", { timeout: 60_000 }, () => {
  it("remembers or not, signs out everywhere else, changes the password, logs it all, and deletes the account", async () => {
    const username = `e2e_${randomBytes(4).toString("hex")}`;
    const password = "correct horse battery";
    const laptop = new Client();
    expect((await laptop.call("/api/register", { method: "POST", body: { username, password } })).status).toBe(201);

    const phone = new Client();
    const phoneLogin = await phone.call("/api/login", { method: "POST", body: { username, password, remember: false } });
    expect(phoneLogin.status).toBe(200);
    const phoneCookie = phoneLogin.headers.getSetCookie().find((line) => line.startsWith("sid=")) ?? "";
    expect(phoneCookie).not.toMatch(/max-age|expires/i);
    expect(await phoneLogin.json()).toMatchObject({ session: { remember: false, authenticatedAt: expect.any(String) } });

    const signedOut = await laptop.call("/api/sessions", { method: "DELETE" });
    expect(await signedOut.json()).toEqual({ revoked: 1 });
    expect(await (await phone.call("/api/session")).json()).toMatchObject({ authenticated: false });

    expect((await laptop.call("/api/reauthenticate", { method: "POST", body: { password } })).status).toBe(200);
    const changed = await laptop.call("/api/password", { method: "POST", body: { currentPassword: password, newPassword: `${password}!` } });
    expect(changed.status).toBe(200);
    expect(await (await laptop.call("/api/session")).json()).toMatchObject({ authenticated: true });

    const { events } = (await (await laptop.call("/api/activity")).json()) as { events: { type: string; network: string | null }[] };
    expect(events.map((event) => event.type)).toEqual(["password_changed", "reauthenticated", "signed_out_everywhere_else", "logged_in", "registered"]);
    // netlify dev passes the client address through, truncated here to its network.
    expect(events[0]?.network).toMatch(/^(127\.0\.0\.0\/24|::\/48)$/);

    const deleted = await laptop.call("/api/account", { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get("clear-site-data")).toBe('"cache"');
    expect(laptop.cookie).toBe("");
    const again = await new Client().call("/api/login", { method: "POST", body: { username, password: `${password}!` } });
    expect(again.status).toBe(401);
  });
});
