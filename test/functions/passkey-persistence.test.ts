import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import account from "../../functions/account.ts";
import passkey from "../../functions/passkey.ts";
import password from "../../functions/password.ts";
import reauthenticate from "../../functions/reauthenticate.ts";
import registration from "../../functions/passkey-registration.ts";
import { MAX_PASSKEYS_PER_USER } from "../../lib/accounts/passkeys/passkey-store.ts";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { TestBrowser } from "../support/requests.ts";
import { expectError, PASSWORD, registerUser, uniqueName, useApi } from "./harness.ts";
import { addedPasskey, askRegistrationOptions, passkeyLogIn, requestOptions, SITE } from "./passkey-harness.ts";

// What a stolen cookie can leave behind through passkeys, and the passkey cap under concurrency:
// each test counts what it protects (passkeys stored, accounts left), not status codes alone.
const api = useApi();

const passkeys = () => api.mongo.db.collection<{ _id: string; userId: string; userHandle?: string }>("passkeys");
const users = () => api.mongo.db.collection<{ _id: ObjectId; passkeyHandle?: string }>("users");

/** A browser holding a copy of every cookie `owner` holds, as a thief who copied them would. */
function copyOf(owner: TestBrowser): TestBrowser {
  const thief = new TestBrowser();
  for (const [name, value] of owner.cookies) thief.cookies.set(name, value);
  return thief;
}

/** POST /api/passkeys/registration with the authenticator's answer to `options`. */
async function register(browser: TestBrowser, authenticator: SoftAuthenticator, options: Response): Promise<Response> {
  const body = { response: authenticator.register((await options.json()) as PublicKeyCredentialCreationOptionsJSON, SITE) };
  return browser.send(registration, "/api/passkeys/registration", { method: "POST", body });
}

describe("a copied session cookie, inside the recent log-in window", { timeout: 30_000 }, () => {
  it("plants no passkey: after the owner changes the password, the thief's authenticator neither signs in nor deletes the account", async () => {
    const owner = new TestBrowser();
    const { id } = await registerUser(owner, uniqueName("owner"));
    // Copied a moment after the owner's log-in: the session's last proof is seconds old.
    const thief = copyOf(owner);
    const planted = new SoftAuthenticator();
    // The thief asks for options without the password, then with a guess, and answers whatever comes back.
    const attempts: number[] = [];
    for (const proof of [{}, { password: "a guess at the password" }]) {
      const asked = await askRegistrationOptions(thief, proof);
      attempts.push(asked.status);
      if (asked.status === 200) attempts.push((await register(thief, planted, asked)).status);
    }
    const changed = await owner.send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword: `${PASSWORD} 2` } });
    expect(changed.status).toBe(200);
    // What a planted passkey would do next: sign in from a fresh browser, and delete the account.
    const intruder = new TestBrowser();
    const signedIn = await passkeyLogIn(intruder, planted);
    const deleted = signedIn.status === 200 ? (await intruder.send(account, "/api/account", { method: "DELETE" })).status : undefined;
    expect({ passkeys: await passkeys().countDocuments({ userId: id }), accounts: await users().countDocuments({ _id: new ObjectId(id) }) }).toEqual({ passkeys: 0, accounts: 1 });
    expect({ attempts, signedIn: signedIn.status, deleted }).toEqual({ attempts: [400, 401], signedIn: 401, deleted: undefined });
    // The owner's new password is what adds a passkey now.
    expect((await askRegistrationOptions(owner, { password: `${PASSWORD} 2` })).status).toBe(200);
  });

  it("cannot add a passkey on the proof of a passkey it does not hold, nor of a re-authentication it cannot make", async () => {
    const owner = new TestBrowser();
    const { id } = await registerUser(owner, uniqueName("owner"));
    const mine = new SoftAuthenticator();
    await addedPasskey(owner, mine);
    const thief = copyOf(owner);
    const theirs = new SoftAuthenticator();
    await expectError(await askRegistrationOptions(thief, { passkey: theirs.assert(await requestOptions(thief), SITE) }), 401, "passkey_invalid");
    await expectError(await thief.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { password: "a guess" } }), 401, "invalid_credentials");
    await expectError(await askRegistrationOptions(thief, {}), 400, "invalid_input");
    expect(await passkeys().countDocuments({ userId: id })).toBe(1);
  });
});

describe("the passkey cap under concurrency", { timeout: 60_000 }, () => {
  it(`stores no more than ${MAX_PASSKEYS_PER_USER} passkeys when 5 sessions register at once from ${MAX_PASSKEYS_PER_USER - 1}, and counts every later one`, async () => {
    const browser = new TestBrowser();
    const { id } = await registerUser(browser, uniqueName("cap"));
    const first = new SoftAuthenticator({ counterStep: 0 });
    const firstView = await addedPasskey(browser, first);
    // Passkeys made before the cap was counted at the write (copies of the first under other ids),
    // so the user has no count yet and the first registration below starts it from what is stored.
    const original = await passkeys().findOne({ _id: firstView.id });
    const { _id: _firstId, ...fields } = original as NonNullable<typeof original>;
    await passkeys().insertMany(Array.from({ length: MAX_PASSKEYS_PER_USER - 2 }, (_unused, index) => ({ ...fields, _id: `older-passkey-${index}`, createdAt: new Date(Date.now() - 1000 - index) })));
    await api.mongo.db.collection<{ _id: string }>("passkey_counts").deleteOne({ _id: id });
    expect(await passkeys().countDocuments({ userId: id })).toBe(MAX_PASSKEYS_PER_USER - 1);

    // Five sessions of the user, each signed in with the first passkey and holding options proved with it.
    const sessions = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const session = new TestBrowser();
        expect((await passkeyLogIn(session, first)).status).toBe(200);
        const asked = await askRegistrationOptions(session, { passkey: first.assert(await requestOptions(session), SITE) });
        expect(asked.status).toBe(200);
        return { session, asked };
      }),
    );
    const statuses = await Promise.all(sessions.map(({ session, asked }) => register(session, new SoftAuthenticator(), asked).then((response) => response.status)));
    expect(await passkeys().countDocuments({ userId: id })).toBe(MAX_PASSKEYS_PER_USER);
    expect(statuses.sort()).toEqual([201, 400, 400, 400, 400]);

    // Removing one frees one slot, and one only.
    const [session] = sessions.map(({ session: each }) => each) as [TestBrowser];
    const removed = await session.send(passkey, "/api/passkeys/older-passkey-0", { method: "DELETE", params: { id: "older-passkey-0" } });
    expect(removed.status).toBe(204);
    const proof = async () => ({ passkey: first.assert(await requestOptions(session), SITE) });
    expect((await register(session, new SoftAuthenticator(), await askRegistrationOptions(session, await proof()))).status).toBe(201);
    await expectError(await askRegistrationOptions(session, await proof()), 400, "invalid_input");
    expect(await passkeys().countDocuments({ userId: id })).toBe(MAX_PASSKEYS_PER_USER);
  });
});

describe("the passkey user handle", { timeout: 30_000 }, () => {
  it("is a random handle kept on the user, not the account's ObjectId, the same for each of the user's passkeys and unlike anyone else's", async () => {
    const browser = new TestBrowser();
    const { id } = await registerUser(browser, uniqueName("handle"));
    const handles: string[] = [];
    for (let passkeyNumber = 0; passkeyNumber < 2; passkeyNumber += 1) {
      const authenticator = new SoftAuthenticator();
      await addedPasskey(browser, authenticator);
      handles.push(authenticator.userHandle ?? "");
    }
    const stored = await users().findOne({ _id: new ObjectId(id) });
    expect(handles).toEqual([stored?.passkeyHandle, stored?.passkeyHandle]);
    expect(Buffer.from(handles[0] ?? "", "base64url")).toHaveLength(32);
    expect(handles[0]).not.toBe(Buffer.from(new ObjectId(id).id).toString("base64url"));
    expect(await passkeys().distinct("userHandle", { userId: id })).toEqual([stored?.passkeyHandle]);
    const other = new TestBrowser();
    await registerUser(other, uniqueName("handle"));
    const theirs = new SoftAuthenticator();
    await addedPasskey(other, theirs);
    expect(theirs.userHandle).not.toBe(handles[0]);
  });

  it("keeps a passkey made under the old handle (the ObjectId's bytes) signing in and confirming, and refuses a handle its passkey was not given", async () => {
    const browser = new TestBrowser();
    const { id } = await registerUser(browser, uniqueName("legacy"));
    const legacy = new SoftAuthenticator();
    const view = await addedPasskey(browser, legacy);
    // As stored before random handles: no handle on the passkey, the ObjectId's bytes in the authenticator.
    await passkeys().updateOne({ _id: view.id }, { $unset: { userHandle: "" } });
    legacy.userHandle = Buffer.from(new ObjectId(id).id).toString("base64url");
    expect((await passkeyLogIn(new TestBrowser(), legacy)).status).toBe(200);
    const confirmed = await browser.send(reauthenticate, "/api/reauthenticate", { method: "POST", body: { passkey: legacy.assert(await requestOptions(browser), SITE) } });
    expect(confirmed.status).toBe(200);

    const current = new SoftAuthenticator();
    await addedPasskey(browser, current);
    current.userHandle = legacy.userHandle;
    await expectError(await passkeyLogIn(new TestBrowser(), current), 401, "passkey_invalid");
  });
});
