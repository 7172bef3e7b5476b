import { describe, expect, it } from "vitest";
import passkeys from "../../functions/passkeys.ts";
import passkey from "../../functions/passkey.ts";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { TestBrowser } from "../support/requests.ts";
import { eventsOf } from "./account-harness.ts";
import { registerUser, uniqueName, useApi } from "./harness.ts";
import { addedPasskey, passkeyLogIn, type PasskeyBody } from "./passkey-harness.ts";

const api = useApi();

describe("passkeys: add, list, rename, remove", () => {
  it("adds a passkey, lists it, renames it and removes it, recording each in the activity log", async () => {
    const browser = new TestBrowser();
    await registerUser(browser, uniqueName("pk"));
    const added = await addedPasskey(browser);
    expect(added).toMatchObject({ backedUp: true, deviceType: "multiDevice", lastUsedAt: null, transports: ["internal", "hybrid"] });
    const listed = await browser.send(passkeys, "/api/passkeys");
    expect(((await listed.json()) as { passkeys: PasskeyBody[] }).passkeys).toEqual([added]);
    const renamed = await browser.send(passkey, `/api/passkeys/${added.id}`, { method: "PATCH", body: { name: "Work laptop" }, params: { id: added.id } });
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as { passkey: PasskeyBody }).passkey).toEqual({ ...added, name: "Work laptop" });
    const removed = await browser.send(passkey, `/api/passkeys/${added.id}`, { method: "DELETE", params: { id: added.id } });
    expect(removed.status).toBe(204);
    const after = await browser.send(passkeys, "/api/passkeys");
    expect(await after.json()).toEqual({ passkeys: [] });
    const types = (await eventsOf(browser)).map((event) => event.type);
    expect(types.slice(0, 2)).toEqual(["passkey_removed", "passkey_added"]);
    expect(await api.mongo.db.collection("passkeys").countDocuments()).toBe(0);
  });

  it("logs in with a passkey", async () => {
    const browser = new TestBrowser();
    const user = await registerUser(browser, uniqueName("pk"));
    const authenticator = new SoftAuthenticator();
    await addedPasskey(browser, authenticator);
    const stranger = new TestBrowser();
    const response = await passkeyLogIn(stranger, authenticator);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user });
  });
});
