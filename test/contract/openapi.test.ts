import { randomBytes } from "node:crypto";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { callPath, documented, functions, spec } from "../support/openapi.ts";
import { ORIGIN, TestBrowser } from "../support/requests.ts";

const ajv = new Ajv2020({ strict: false, validateFormats: false });

const toFunctionPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

// Issue 17: passwords hash at the tests' low cost here (what a call answers does not depend on it;
// test/lib/accounts/passwords.test.ts proves the real cost), so the many registrations and log-ins below
// stay quick.
useFunctionEnv({ SESSION_SECRETS: "openapi-test-secret-".repeat(3) });
const password = "correct horse battery";
let username: string;
let user: TestBrowser;

beforeAll(async () => {
  username = `oas_${randomBytes(4).toString("hex")}`;
  user = new TestBrowser();
  await callPath("/api/register", user, { method: "POST", body: { username, password } });
});

/** Registers a user of its own in `browser` and adds a passkey made by a software authenticator; the authenticator. */
async function withPasskey(browser: TestBrowser): Promise<SoftAuthenticator> {
  await callPath("/api/register", browser, { method: "POST", body: { username: `pk_${randomBytes(4).toString("hex")}`, password } });
  const authenticator = new SoftAuthenticator();
  const options = (await (await callPath("/api/passkeys/registration/options", browser, { method: "POST", body: { password } })).json()) as PublicKeyCredentialCreationOptionsJSON;
  const added = await callPath("/api/passkeys/registration", browser, { method: "POST", body: { response: authenticator.register(options, { origin: ORIGIN }) } });
  expect(added.status).toBe(201);
  return authenticator;
}

/** A realistic call of each documented operation, from a logged-in user where one is needed. */
async function exercise(path: string, method: string): Promise<Response> {
  const other = new TestBrowser();
  switch (`${method} ${path}`) {
    case "POST /api/register":
      return callPath(path, other, { method, body: { username: `new_${randomBytes(4).toString("hex")}`, password } });
    case "POST /api/login":
    case "POST /api/token":
      return callPath(path, other, { method, body: { username, password } });
    case "POST /api/logout":
      await callPath("/api/login", other, { method: "POST", body: { username, password } });
      return callPath(path, other, { method });
    case "DELETE /api/sessions/{id}": {
      await callPath("/api/login", other, { method: "POST", body: { username, password } });
      const list = (await (await callPath("/api/sessions", user)).json()) as { sessions: { id: string; current: boolean }[] };
      const target = list.sessions.find((session) => !session.current);
      return callPath(`/api/sessions/${target?.id ?? "missing"}`, user, { method });
    }
    case "POST /api/reauthenticate":
    case "POST /api/passkeys/registration/options":
      return callPath(path, user, { method, body: { password } });
    case "POST /api/password":
      // A user of its own: the shared one must keep its password for the other operations.
      await callPath("/api/register", other, { method: "POST", body: { username: `pw_${randomBytes(4).toString("hex")}`, password } });
      return callPath(path, other, { method, body: { currentPassword: password, newPassword: `${password} 2` } });
    case "DELETE /api/account":
      await callPath("/api/register", other, { method: "POST", body: { username: `del_${randomBytes(4).toString("hex")}`, password } });
      return callPath(path, other, { method });
    case "POST /api/passkeys/registration": {
      await callPath("/api/register", other, { method: "POST", body: { username: `pk_${randomBytes(4).toString("hex")}`, password } });
      const options = (await (await callPath("/api/passkeys/registration/options", other, { method: "POST", body: { password } })).json()) as PublicKeyCredentialCreationOptionsJSON;
      return callPath(path, other, { method, body: { response: new SoftAuthenticator().register(options, { origin: ORIGIN }), name: "Test key" } });
    }
    case "PATCH /api/passkeys/{id}":
      return callPath(`/api/passkeys/${(await withPasskey(other)).id}`, other, { method, body: { name: "Renamed" } });
    case "DELETE /api/passkeys/{id}":
      return callPath(`/api/passkeys/${(await withPasskey(other)).id}`, other, { method });
    case "POST /api/passkeys/authentication": {
      const authenticator = await withPasskey(other);
      const visitor = new TestBrowser();
      const options = (await (await callPath("/api/passkeys/authentication/options", visitor, { method: "POST" })).json()) as PublicKeyCredentialRequestOptionsJSON;
      return callPath(path, visitor, { method, body: { response: authenticator.assert(options, { origin: ORIGIN }) } });
    }
    case "POST /api/cookies":
      return callPath(path, user, { method, body: { name: "play.theme", value: "dark", signed: true } });
    case "DELETE /api/cookies/{name}":
      return callPath("/api/cookies/play.theme", user, { method });
    default:
      return callPath(path, user, { method, ...(method === "POST" ? { body: {} } : {}) });
  }
}

// Several operations register users and add passkeys before the call they check; on a busy 2-core
// machine that can take longer than vitest's default 5 s.
describe("public/openapi.json", { timeout: 30_000 }, () => {
  it("documents every function path, and every documented path has a function", () => {
    expect([...functions.keys()].sort()).toEqual(Object.keys(spec.paths).map(toFunctionPath).sort());
  });

  it.each(documented)("describes $method $path truthfully: a real call answers a documented status with a body matching its schema", async ({ path, method, operation }) => {
    const response = await exercise(path, method);
    const documentedStatuses = Object.keys(operation.responses);
    expect(documentedStatuses).toContain(String(response.status));
    expect(response.status).toBeLessThan(300);
    const schema = operation.responses[String(response.status)]?.content?.["application/json"].schema;
    if (schema === undefined) {
      expect(await response.text()).toBe("");
      return;
    }
    // The schema travels with the components it refers to (#/components/schemas/…).
    const validate = ajv.compile({ ...schema, components: spec.components });
    const body: unknown = await response.json();
    expect(validate(body) ? [] : validate.errors).toEqual([]);
  });

  it.each(Object.entries(spec.paths))("answers an undocumented method on %s with 405 and an Allow header listing the documented ones", async (path, operations) => {
    const concrete = path.replace("{id}", "0".repeat(64)).replace("{name}", "theme");
    const response = await callPath(concrete, user, { method: "PUT", body: {} });
    expect(response.status).toBe(405);
    const allowed = (response.headers.get("allow") ?? "").split(", ").filter((method) => method !== "HEAD");
    expect(allowed.sort()).toEqual(Object.keys(operations).map((method) => method.toUpperCase()).sort());
    expect(await response.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});
