import fc from "fast-check";
import { describe, expect, it } from "vitest";
import authentication from "../../functions/passkey-authentication.ts";
import authenticationOptions from "../../functions/passkey-authentication-options.ts";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { ORIGIN, TestBrowser } from "../support/requests.ts";
import { addedPasskey } from "../functions/passkey-harness.ts";
import { expectDocumentedError, newUser, PASSWORD, useFunctionEnv } from "./support.ts";

const api = useFunctionEnv();

const RUNS = 60;

/** Any text, including what no browser sends: empty, non-base64url, control characters, long. */
const anyText = fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/), fc.constant(""), fc.string({ unit: "binary", maxLength: 64 }));
/** Any JSON value where a field of the assertion goes. */
const anyValue = fc.oneof(anyText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }));

const FIELDS = ["id", "rawId", "type", "response.clientDataJSON", "response.authenticatorData", "response.signature", "response.userHandle"] as const;

/** The assertion with one field (`a.b` for a nested one) replaced by `value`. */
function replaced(assertion: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  const [outer = "", inner] = field.split(".");
  if (inner === undefined) return { ...assertion, [outer]: value };
  return { ...assertion, [outer]: { ...(assertion[outer] as Record<string, unknown>), [inner]: value } };
}

describe("hostile passkey assertions (property-based, fast-check)", () => {
  it(`refuses a genuine assertion with any one field replaced by anything, with a documented 4xx and never a session (${RUNS} runs)`, { timeout: 120_000 }, async () => {
    const { browser } = await newUser("pkh");
    const authenticator = new SoftAuthenticator();
    await addedPasskey(browser, authenticator, { password: PASSWORD });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIELDS), anyValue, async (field, value) => {
        // A browser of its own each time (and so a network of its own): the throttle is not what is tested here.
        const visitor = new TestBrowser();
        const options = await (await visitor.send(authenticationOptions, "/api/passkeys/authentication/options", { method: "POST" })).json();
        const genuine = authenticator.assert(options as Parameters<SoftAuthenticator["assert"]>[0], { origin: ORIGIN }) as unknown as Record<string, unknown>;
        const tampered = replaced(genuine, field, value);
        fc.pre(JSON.stringify(tampered) !== JSON.stringify(genuine));
        // userHandle is optional and outside the signature: without one (null), the credential id names the passkey.
        fc.pre(!(field === "response.userHandle" && value === null));
        const response = await visitor.send(authentication, "/api/passkeys/authentication", { method: "POST", body: { response: tampered } });
        const text = await response.text();
        expect([400, 401], `${field} = ${JSON.stringify(value)} → ${response.status} ${text}`).toContain(response.status);
        expectDocumentedError(response.status, response.headers, text, field);
        expect(response.headers.getSetCookie().filter((line) => /^(__Host-)?device=/.test(line))).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: false },
    );
    expect(await api.mongo.db.collection("events").countDocuments({ type: "logged_in" })).toBe(0);
  });
});
