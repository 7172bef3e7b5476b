import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { ObjectId } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import account from "../../functions/account.ts";
import login from "../../functions/login.ts";
import passkey from "../../functions/passkey.ts";
import passkeys from "../../functions/passkeys.ts";
import password from "../../functions/password.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import authenticationOptions from "../../functions/passkey-authentication-options.ts";
import registrationOptions from "../../functions/passkey-registration-options.ts";
import registration from "../../functions/passkey-registration.ts";
import token from "../../functions/token.ts";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { ORIGIN, TestBrowser } from "../support/requests.ts";
import { ageAuthentication, eventsOf, storedSessions } from "./account-harness.ts";
import { expectError, handleOf, PASSWORD, registerUser, SECRET, sessionIdOf, setCookieFor, uniqueName } from "./harness.ts";
import {
  addedPasskey,
  addPasskey,
  askRegistrationOptions,
  passkeyLogIn,
  requestOptions,
  sendAssertion,
  SITE,
  type PasskeyBody,
} from "./passkey-harness.ts";

// A small cap and small network limits, so the tests can reach them.
const CAP = 3;
const NETWORK_LIMIT = 8;
const ANONYMOUS_LIMIT = 6;
const api = useFunctionEnv({
  SESSION_SECRETS: SECRET,
  SESSION_MAX_PER_USER: String(CAP),
  LOGIN_LIMIT_PER_NETWORK: String(NETWORK_LIMIT),
  ANONYMOUS_SESSIONS_PER_NETWORK: String(ANONYMOUS_LIMIT),
});

/** A new user with one passkey, logged in (by password) in `browser`. */
async function userWithPasskey(options: ConstructorParameters<typeof SoftAuthenticator>[0] = {}) {
  const browser = new TestBrowser();
  const user = await registerUser(browser, uniqueName("pk"));
  const authenticator = new SoftAuthenticator(options);
  const view = await addedPasskey(browser, authenticator);
  return { browser, user, authenticator, view };
}

async function listed(browser: TestBrowser): Promise<PasskeyBody[]> {
  const response = await browser.send(passkeys, "/api/passkeys");
  expect(response.status).toBe(200);
  return ((await response.json()) as { passkeys: PasskeyBody[] }).passkeys;
}

function rename(browser: TestBrowser, id: string, name: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return browser.send(passkey, `/api/passkeys/${id}`, { method: "PATCH", body: { name }, params: { id }, headers });
}

function remove(browser: TestBrowser, id: string, headers: Record<string, string> = {}): Promise<Response> {
  return browser.send(passkey, `/api/passkeys/${id}`, { method: "DELETE", params: { id }, headers });
}

/** Counts every collection's documents (the whole database), by name. */
async function documentCounts(): Promise<Record<string, number>> {
  const collections = await api.mongo.db.listCollections().toArray();
  const counts = await Promise.all(collections.map(async ({ name }) => [name, await api.mongo.db.collection(name).countDocuments()] as const));
  return Object.fromEntries(counts.sort(([a], [b]) => a.localeCompare(b)));
}

describe("adding and managing passkeys", { timeout: 30_000 }, () => {
  it("adds a passkey, lists it, renames it and removes it, recording passkey_added and passkey_removed", async () => {
    const { browser, view } = await userWithPasskey();
    expect(view).toMatchObject({ backedUp: true, deviceType: "multiDevice", lastUsedAt: null, transports: ["internal", "hybrid"] });
    expect(await listed(browser)).toEqual([view]);
    const renamed = await rename(browser, view.id, "  Work laptop ");
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toEqual({ passkey: { ...view, name: "Work laptop" } });
    expect((await remove(browser, view.id)).status).toBe(204);
    expect(await listed(browser)).toEqual([]);
    const events = await eventsOf(browser);
    expect(events.slice(0, 4)).toMatchObject([
      { type: "passkey_removed", passkeyId: view.id, passkeyName: "Work laptop" },
      { type: "passkey_renamed", passkeyId: view.id, passkeyName: "Work laptop", previousName: view.name },
      { type: "passkey_added", passkeyId: view.id },
      // The password the options asked for, proved in that request.
      { type: "reauthenticated" },
    ]);
  });

  it("asks for a discoverable credential, user verification preferred and no attestation, excluding the user's passkeys", async () => {
    const { browser, user, view } = await userWithPasskey();
    const response = await askRegistrationOptions(browser);
    expect(response.status).toBe(200);
    const options = (await response.json()) as PublicKeyCredentialCreationOptionsJSON;
    const { passkeyHandle } = (await api.mongo.db.collection("users").findOne({ _id: new ObjectId(user.id) })) as { passkeyHandle?: string };
    expect(options).toMatchObject({
      rp: { id: "localhost", name: "galleta" },
      user: { id: passkeyHandle, name: user.username },
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "preferred" },
      attestation: "none",
      timeout: 5 * 60 * 1000,
    });
    expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual([view.id]);
    // The challenge is kept server-side, bound to this session, never in a cookie.
    const stored = await api.mongo.db.collection("passkey_challenges").findOne({ _id: `${handleOf(browser)}:registration` as never });
    expect(stored).toMatchObject({ challenge: options.challenge, userId: user.id, userHandle: passkeyHandle });
    expect(JSON.stringify([...browser.cookies.values()])).not.toContain(options.challenge);
  });

  it("stores the credential id, public key, counter, transports, backup state and AAGUID, and names the passkey by its provider or else by the browser", async () => {
    const browser = new TestBrowser();
    browser.userAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const user = await registerUser(browser, uniqueName("pk"));
    const onePassword = new SoftAuthenticator({ aaguid: "bada5566-a7aa-401f-bd96-45619a55120d", synced: false });
    const first = await addedPasskey(browser, onePassword);
    const second = await addedPasskey(browser, new SoftAuthenticator());
    expect([first.name, second.name]).toEqual(["1Password", "Chrome on macOS"]);
    expect(first).toMatchObject({ backedUp: false, deviceType: "singleDevice" });
    const named = await addPasskey(browser, new SoftAuthenticator(), { name: "My key" });
    expect(((await named.json()) as { passkey: PasskeyBody }).passkey.name).toBe("My key");
    const stored = await api.mongo.db.collection("passkeys").findOne({ _id: first.id as never });
    expect(stored).toMatchObject({
      userId: user.id,
      signCount: 1,
      transports: ["internal", "hybrid"],
      deviceType: "singleDevice",
      backedUp: false,
      aaguid: "bada5566-a7aa-401f-bd96-45619a55120d",
      userVerified: true,
      name: "1Password",
      lastUsedAt: null,
    });
    expect(stored?.publicKey.buffer.byteLength).toBeGreaterThan(64);
    expect(stored?.createdAt).toBeInstanceOf(Date);
  });

  it("asks for the password or a passkey in the options request itself, whatever the log-in's age, and a recent log-in to remove one", async () => {
    const { browser, user, view } = await userWithPasskey();
    await ageAuthentication(api.mongo, browser, 11);
    // Without a proof, or with a wrong one, no challenge is handed out.
    const challenges = () => api.mongo.db.collection("passkey_challenges").countDocuments({ _id: `${handleOf(browser)}:registration` as never });
    expect((await expectError(await askRegistrationOptions(browser, {}), 400, "invalid_input")).error.field).toBe("password");
    await expectError(await askRegistrationOptions(browser, { password: "not the password" }), 401, "invalid_credentials");
    expect(await challenges()).toBe(0);
    await expectError(await remove(browser, view.id), 403, "reauthentication_required");
    // The password in the request itself is the proof, and it counts as a re-authentication.
    const asked = await askRegistrationOptions(browser);
    expect(asked.status).toBe(200);
    expect(await challenges()).toBe(1);
    const answer = { response: new SoftAuthenticator().register((await asked.json()) as PublicKeyCredentialCreationOptionsJSON, SITE) };
    expect((await browser.send(registration, "/api/passkeys/registration", { method: "POST", body: answer })).status).toBe(201);
    expect(await api.mongo.db.collection("passkeys").countDocuments({ userId: user.id })).toBe(2);
    // Renaming is not sensitive, but it is recorded.
    expect((await rename(browser, view.id, "Still mine")).status).toBe(200);
    expect((await eventsOf(browser))[0]).toMatchObject({ type: "passkey_renamed", passkeyName: "Still mine" });
  });

  it("adds a passkey on the proof of another of the user's passkeys, made for this session's challenge", async () => {
    const { browser, user, authenticator } = await userWithPasskey();
    await ageAuthentication(api.mongo, browser, 11);
    const asked = await askRegistrationOptions(browser, { passkey: authenticator.assert(await requestOptions(browser), SITE) });
    expect(asked.status).toBe(200);
    const answer = { response: new SoftAuthenticator().register((await asked.json()) as PublicKeyCredentialCreationOptionsJSON, SITE) };
    expect((await browser.send(registration, "/api/passkeys/registration", { method: "POST", body: answer })).status).toBe(201);
    expect(await api.mongo.db.collection("passkeys").countDocuments({ userId: user.id })).toBe(2);
    // Another user's passkey proves nothing here.
    const { authenticator: theirs } = await userWithPasskey();
    await expectError(await askRegistrationOptions(browser, { passkey: theirs.assert(await requestOptions(browser), SITE) }), 401, "passkey_invalid");
  });

  it("refuses a registration challenge issued before options asked for a proof (401 challenge_expired)", async () => {
    const browser = new TestBrowser();
    const user = await registerUser(browser, uniqueName("pk"));
    const asked = (await (await askRegistrationOptions(browser)).json()) as PublicKeyCredentialCreationOptionsJSON;
    // Such a challenge names no user handle.
    await api.mongo.db.collection("passkey_challenges").updateOne({ _id: `${handleOf(browser)}:registration` as never }, { $unset: { userHandle: "" } });
    const answer = { response: new SoftAuthenticator().register(asked, SITE) };
    await expectError(await browser.send(registration, "/api/passkeys/registration", { method: "POST", body: answer }), 401, "challenge_expired");
    expect(await api.mongo.db.collection("passkeys").countDocuments({ userId: user.id })).toBe(0);
  });

  it("refuses an access token to add, rename or remove a passkey (403 cookie_session_required), and lets it list them", async () => {
    const { user, view } = await userWithPasskey();
    const client = new TestBrowser();
    const minted = await client.send(token, "/api/token", { method: "POST", body: { username: user.username, password: PASSWORD } });
    const bearer = { authorization: `Bearer ${((await minted.json()) as { token: string }).token}` };
    const asked = await client.send(registrationOptions, "/api/passkeys/registration/options", { method: "POST", headers: bearer });
    await expectError(asked, 403, "cookie_session_required");
    await expectError(await rename(client, view.id, "Token's", bearer), 403, "cookie_session_required");
    await expectError(await remove(client, view.id, bearer), 403, "cookie_session_required");
    const list = await client.send(passkeys, "/api/passkeys", { headers: bearer });
    expect(((await list.json()) as { passkeys: PasskeyBody[] }).passkeys.map((each) => each.id)).toEqual([view.id]);
  });

  it.each([
    ["another origin", { origin: "https://evil.example" }, "passkey_invalid"],
    ["another RP ID", { origin: ORIGIN, rpId: "evil.example" }, "passkey_invalid"],
  ])("refuses a registration answered for %s (401)", async (_case, place, code) => {
    const browser = new TestBrowser();
    await registerUser(browser, uniqueName("pk"));
    await expectError(await addPasskey(browser, new SoftAuthenticator(), { place }), 401, code);
    expect(await listed(browser)).toEqual([]);
  });

  it("refuses a registration answer sent twice (the challenge is single use)", async () => {
    const browser = new TestBrowser();
    await registerUser(browser, uniqueName("pk"));
    const asked = (await (await askRegistrationOptions(browser)).json()) as PublicKeyCredentialCreationOptionsJSON;
    const body = { response: new SoftAuthenticator().register(asked, SITE) };
    expect((await browser.send(registration, "/api/passkeys/registration", { method: "POST", body })).status).toBe(201);
    await expectError(await browser.send(registration, "/api/passkeys/registration", { method: "POST", body }), 401, "challenge_expired");
  });

  it("does not keep a passkey whose account was deleted while it was being added", async () => {
    const browser = new TestBrowser();
    const user = await registerUser(browser, uniqueName("pk"));
    const asked = (await (await askRegistrationOptions(browser)).json()) as PublicKeyCredentialCreationOptionsJSON;
    // The deletion's removal of the user's passkeys has run already; its user removal lands now.
    await api.mongo.db.collection("users").deleteOne({ _id: new ObjectId(user.id) });
    const answer = { response: new SoftAuthenticator().register(asked, SITE) };
    await expectError(await browser.send(registration, "/api/passkeys/registration", { method: "POST", body: answer }), 401, "unauthenticated");
    expect(await api.mongo.db.collection("passkeys").countDocuments({ userId: user.id })).toBe(0);
  });

  it("answers 404 passkey_not_found for another user's passkey, and 400 for a bad name", async () => {
    const { view } = await userWithPasskey();
    const stranger = new TestBrowser();
    await registerUser(stranger, uniqueName("pk"));
    await expectError(await rename(stranger, view.id, "Mine now"), 404, "passkey_not_found");
    await expectError(await remove(stranger, view.id), 404, "passkey_not_found");
    await expectError(await rename(stranger, view.id, "two\nlines"), 400, "invalid_input");
  });

  it("keeps the passkeys through a password change, and deletes them with the account", async () => {
    const { browser, user, authenticator } = await userWithPasskey();
    const changed = await browser.send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword: `${PASSWORD} 2` } });
    expect(changed.status).toBe(200);
    expect(await listed(browser)).toHaveLength(1);
    expect((await browser.send(account, "/api/account", { method: "DELETE" })).status).toBe(204);
    expect(await api.mongo.db.collection("passkeys").countDocuments({ userId: user.id })).toBe(0);
    await expectError(await passkeyLogIn(new TestBrowser(), authenticator), 401, "passkey_invalid");
  });
});

describe("logging in with a passkey", { timeout: 30_000 }, () => {
  it("starts a session exactly as a password log-in does: a new id, authenticatedAt now, the device cookie, remember, logged_in with method passkey", async () => {
    const { user, authenticator, view } = await userWithPasskey();
    const visitor = new TestBrowser();
    const options = await requestOptions(visitor);
    expect(options).toMatchObject({ rpId: "localhost", userVerification: "preferred", allowCredentials: [] });
    // The visitor's anonymous session, which holds the challenge and which the log-in replaces.
    const anonymous = sessionIdOf(visitor);
    const before = Date.now();
    const response = await sendAssertion(visitor, { response: authenticator.assert(options, SITE), remember: false });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: unknown; session: { authenticatedAt: string; remember: boolean } };
    expect(body).toMatchObject({ authenticated: true, user, session: { remember: false }, visits: 0 });
    expect(await (await visitor.send(session, "/api/session")).json()).toEqual(body);
    expect(Date.parse(body.session.authenticatedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(sessionIdOf(visitor)).not.toBe(anonymous);
    expect(setCookieFor(response, "sid")).not.toMatch(/Max-Age/i);
    expect(setCookieFor(response, "device")).toMatch(/HttpOnly/i);
    expect(await api.mongo.db.collection("sessions").countDocuments({ _id: handleOf(visitor) as never, userId: user.id })).toBe(1);
    const events = await eventsOf(visitor);
    expect(events.find((event) => event.type === "logged_in")).toMatchObject({ method: "passkey", passkeyId: view.id });
    expect(events.some((event) => event.type === "passkey_used")).toBe(true);
    expect((await listed(visitor))[0]?.lastUsedAt).not.toBeNull();
    // The answer has the shape of a password log-in's.
    const byPassword = await new TestBrowser().send(login, "/api/login", { method: "POST", body: { username: user.username, password: PASSWORD } });
    const keys = (value: unknown) => [Object.keys(value as object).sort(), Object.keys((value as { session: object }).session).sort()];
    expect(keys(body)).toEqual(keys(await byPassword.json()));
  });

  it("carries the visits of the anonymous session that asked for the challenge over, and says so in its answer", async () => {
    const { authenticator } = await userWithPasskey();
    const visitor = new TestBrowser();
    await visitor.send(visits, "/api/visits", { method: "POST" });
    const response = await passkeyLogIn(visitor, authenticator);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ authenticated: true, visits: 1 });
  });

  it("keeps the user's sessions under the cap, evicting the least recently used", async () => {
    const { user, authenticator } = await userWithPasskey();
    for (let login = 0; login < CAP + 1; login += 1) expect((await passkeyLogIn(new TestBrowser(), authenticator)).status).toBe(200);
    expect((await storedSessions(api.mongo, user.id)).length).toBe(CAP);
  });

  it("refuses a replayed assertion with 401 challenge_expired", async () => {
    const { authenticator } = await userWithPasskey();
    const visitor = new TestBrowser();
    const assertion = authenticator.assert(await requestOptions(visitor), SITE);
    expect((await sendAssertion(visitor, { response: assertion })).status).toBe(200);
    await expectError(await sendAssertion(visitor, { response: assertion }), 401, "challenge_expired");
  });

  it("refuses an assertion whose challenge is more than 5 minutes old with 401 challenge_expired", async () => {
    const { authenticator } = await userWithPasskey();
    const visitor = new TestBrowser();
    const options = await requestOptions(visitor);
    const challenges = api.mongo.db.collection<{ _id: string; expiresAt: Date }>("passkey_challenges");
    await challenges.updateOne({ _id: `${handleOf(visitor)}:authentication` }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await expectError(await sendAssertion(visitor, { response: authenticator.assert(options, SITE) }), 401, "challenge_expired");
  });

  it("answers 401 challenge_expired to a browser that never asked for options, or whose options another browser got", async () => {
    const { authenticator } = await userWithPasskey();
    const asker = new TestBrowser();
    const options = await requestOptions(asker);
    await expectError(await sendAssertion(new TestBrowser(), { response: authenticator.assert(options, SITE) }), 401, "challenge_expired");
    const other = new TestBrowser();
    await requestOptions(other);
    await expectError(await sendAssertion(other, { response: authenticator.assert(options, SITE) }), 401, "challenge_expired");
  });

  it.each([
    ["another origin", { origin: "https://evil.example" }],
    ["another port of the same host", { origin: "http://localhost:9999" }],
    ["another RP ID", { origin: ORIGIN, rpId: "evil.example" }],
  ])("refuses an assertion made for %s with 401 passkey_invalid", async (_case, place) => {
    const { authenticator } = await userWithPasskey();
    const visitor = new TestBrowser();
    await expectError(await passkeyLogIn(visitor, authenticator, { place }), 401, "passkey_invalid");
    expect(visitor.cookies.has("device")).toBe(false);
  });

  it("refuses a signature counter that goes backwards, records passkey_clone_suspected, and keeps the stored counter", async () => {
    const { browser, authenticator, view } = await userWithPasskey();
    expect((await passkeyLogIn(new TestBrowser(), authenticator)).status).toBe(200);
    await expectError(await passkeyLogIn(new TestBrowser(), authenticator, { signCount: 1 }), 401, "passkey_invalid");
    await expectError(await passkeyLogIn(new TestBrowser(), authenticator, { signCount: 2 }), 401, "passkey_invalid");
    const stored = await api.mongo.db.collection("passkeys").findOne({ _id: view.id as never });
    expect(stored?.signCount).toBe(2);
    const suspected = (await eventsOf(browser)).filter((event) => event.type === "passkey_clone_suspected");
    expect(suspected).toHaveLength(2);
    expect((await passkeyLogIn(new TestBrowser(), authenticator)).status).toBe(200);
  });

  it("accepts an authenticator that always reports a counter of 0, every time", async () => {
    const { authenticator } = await userWithPasskey({ counterStep: 0 });
    for (let login = 0; login < 3; login += 1) expect((await passkeyLogIn(new TestBrowser(), authenticator)).status).toBe(200);
  });

  it("refuses the passkey of an account deleted behind its back with 401 passkey_invalid", async () => {
    const { user, authenticator } = await userWithPasskey();
    await api.mongo.db.collection("users").deleteOne({ _id: new ObjectId(user.id) });
    await expectError(await passkeyLogIn(new TestBrowser(), authenticator), 401, "passkey_invalid");
  });

  it("holds a passkey registered with user verification to it at every use", async () => {
    const { authenticator } = await userWithPasskey();
    await expectError(await passkeyLogIn(new TestBrowser(), authenticator, { userVerification: false }), 401, "passkey_invalid");
    const { authenticator: simple } = await userWithPasskey({ userVerification: false });
    expect((await passkeyLogIn(new TestBrowser(), simple)).status).toBe(200);
  });

  it("answers 400 invalid_input to a body that is no assertion", async () => {
    await expectError(await sendAssertion(new TestBrowser(), { response: { id: "not base64url!" } }), 400, "invalid_input");
  });
});

describe("bounds on passkey attempts", { timeout: 60_000 }, () => {
  it("writes nothing that grows for refused assertions: the database holds as many documents after many as after one", async () => {
    const { authenticator } = await userWithPasskey();
    const attacker = new TestBrowser();
    const refuse = async () => expect([401, 429]).toContain((await passkeyLogIn(attacker, authenticator, { place: { origin: "https://evil.example" } })).status);
    await refuse();
    const after1 = await documentCounts();
    for (let attempt = 0; attempt < NETWORK_LIMIT + 4; attempt += 1) await refuse();
    expect(await documentCounts()).toEqual(after1);
  });

  it("lets visitors without cookies start at most ANONYMOUS_SESSIONS_PER_NETWORK passkey sessions per network, then answers 429", async () => {
    const ip = "203.0.113.77";
    const before = await documentCounts();
    const statuses: number[] = [];
    for (let visitor = 0; visitor < ANONYMOUS_LIMIT + 1; visitor += 1) {
      const response = await new TestBrowser().send(authenticationOptions, "/api/passkeys/authentication/options", { method: "POST", ip });
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(ANONYMOUS_LIMIT);
    expect(statuses.at(-1)).toBe(429);
    // A session and a challenge per visitor admitted, and the network's one counter; refusals add nothing.
    const after = await documentCounts();
    const grown = Object.entries(after).map(([name, count]) => [name, count - (before[name] ?? 0)] as const);
    expect(Object.fromEntries(grown.filter(([, count]) => count !== 0))).toEqual({ login_attempts: 1, passkey_challenges: ANONYMOUS_LIMIT, sessions: ANONYMOUS_LIMIT });
    expect((await new TestBrowser().send(authenticationOptions, "/api/passkeys/authentication/options", { method: "POST", ip })).status).toBe(429);
    expect(await documentCounts()).toEqual(after);
  });

  it("bounds passkey attempts per network with password attempts: past the limit even a valid passkey or password is 429", async () => {
    const { user, authenticator } = await userWithPasskey();
    const attacker = new TestBrowser();
    for (let attempt = 0; attempt < NETWORK_LIMIT; attempt += 1) {
      await expectError(await passkeyLogIn(attacker, authenticator, { place: { origin: "https://evil.example" } }), 401, "passkey_invalid");
    }
    await expectError(await passkeyLogIn(attacker, authenticator), 429, "too_many_attempts");
    const sameNetwork = await attacker.send(login, "/api/login", { method: "POST", body: { username: user.username, password: PASSWORD } });
    await expectError(sameNetwork, 429, "too_many_attempts");
    // Another network is not affected.
    expect((await passkeyLogIn(new TestBrowser(), authenticator)).status).toBe(200);
  });

  it("gives a successful passkey log-in's slot back, so a user's own log-ins never add up to the limit", async () => {
    const { authenticator } = await userWithPasskey();
    const browser = new TestBrowser();
    for (let login = 0; login < NETWORK_LIMIT + 2; login += 1) expect((await passkeyLogIn(browser, authenticator)).status).toBe(200);
  });
});

describe("re-authenticating with a passkey", { timeout: 30_000 }, () => {
  let stale: Awaited<ReturnType<typeof userWithPasskey>>;
  beforeAll(async () => {
    stale = await userWithPasskey();
  });

  it("records authenticatedAt as the password does, which then lets the user remove a passkey", async () => {
    const { browser, authenticator, view } = stale;
    await ageAuthentication(api.mongo, browser, 11);
    await expectError(await remove(browser, "bm90LW1pbmU"), 403, "reauthentication_required");
    const options = await requestOptions(browser);
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([view.id]);
    const before = Date.now();
    const response = await browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { passkey: authenticator.assert(options, SITE) } });
    expect(response.status).toBe(200);
    const { authenticatedAt } = (await response.json()) as { authenticatedAt: string };
    expect(Date.parse(authenticatedAt)).toBeGreaterThanOrEqual(before - 1000);
    await expectError(await remove(browser, "bm90LW1pbmU"), 404, "passkey_not_found");
    expect((await eventsOf(browser)).find((event) => event.type === "reauthenticated")).toMatchObject({ method: "passkey", passkeyId: view.id });
  });

  it("refuses another user's passkey with 401 passkey_invalid and leaves the window closed", async () => {
    const { browser } = stale;
    const { authenticator: theirs } = await userWithPasskey();
    await ageAuthentication(api.mongo, browser, 11);
    const options = await requestOptions(browser);
    const response = await browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { passkey: theirs.assert(options, SITE) } });
    await expectError(response, 401, "passkey_invalid");
    await expectError(await remove(browser, "bm90LW1pbmU"), 403, "reauthentication_required");
  });
});
