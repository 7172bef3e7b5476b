import { readdir, readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase } from "../../lib/runtime/mongo.ts";
import type { Handler } from "../../lib/http/http.ts";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { SoftAuthenticator } from "../support/authenticator.ts";
import { startTestMongo, type TestMongo } from "../support/mongo.ts";
import { ORIGIN, TestBrowser, contextFor } from "../support/requests.ts";

interface Operation {
  responses: Record<string, { content?: { "application/json": { schema: object } } }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

const spec = JSON.parse(await readFile(new URL("../../public/openapi.json", import.meta.url), "utf8")) as OpenApi;
const ajv = new Ajv2020({ strict: false, validateFormats: false });

/** Every function module in functions/, by the path it declares (none for the 404 fallback). */
const functions = new Map<string, Handler>();
for (const file of await readdir(new URL("../../functions/", import.meta.url))) {
  const module = (await import(`../../functions/${file}`)) as { default: Handler; config?: { path?: string } };
  if (module.config?.path !== undefined) functions.set(module.config.path, module.default);
}

const toFunctionPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");
const documented = Object.entries(spec.paths).flatMap(([path, operations]) =>
  Object.entries(operations).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
);

let mongo: TestMongo;
const saved = { ...process.env };
const password = "correct horse battery";
let username: string;
let user: TestBrowser;

beforeAll(async () => {
  mongo = await startTestMongo();
  Object.assign(process.env, { MONGODB_URI: mongo.uri, MONGODB_DB: mongo.dbName, SESSION_SECRETS: "openapi-test-secret-".repeat(3) });
  username = `oas_${randomBytes(4).toString("hex")}`;
  user = new TestBrowser();
  await call("/api/register", user, { method: "POST", body: { username, password } });
});

afterAll(async () => {
  process.env = saved;
  await closeDatabase();
  await mongo.stop();
});

async function call(path: string, browser: TestBrowser, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  // An exact path wins over a `:param` one, as on Netlify (/api/passkeys/registration is not a passkey's id).
  const pattern = functions.has(path) ? path : [...functions.keys()].find((candidate) => new RegExp(`^${candidate.replace(/:\w+/g, "[^/]+")}$`).test(path));
  if (pattern === undefined) throw new Error(`no function serves ${path}`);
  const handler = functions.get(pattern) as Handler;
  const names = pattern.match(/:\w+/g) ?? [];
  const values = new RegExp(`^${pattern.replace(/:\w+/g, "([^/]+)")}$`).exec(path)?.slice(1) ?? [];
  const params = Object.fromEntries(names.map((name, i) => [name.slice(1), decodeURIComponent(values[i] ?? "")]));
  return browser.remember(await handler(browser.request(path, init), contextFor(params)));
}

/** Registers a user of its own in `browser` and adds a passkey made by a software authenticator; the authenticator. */
async function withPasskey(browser: TestBrowser): Promise<SoftAuthenticator> {
  await call("/api/register", browser, { method: "POST", body: { username: `pk_${randomBytes(4).toString("hex")}`, password } });
  const authenticator = new SoftAuthenticator();
  const options = (await (await call("/api/passkeys/registration/options", browser, { method: "POST" })).json()) as PublicKeyCredentialCreationOptionsJSON;
  const added = await call("/api/passkeys/registration", browser, { method: "POST", body: { response: authenticator.register(options, { origin: ORIGIN }) } });
  expect(added.status).toBe(201);
  return authenticator;
}

/** A realistic call of each documented operation, from a logged-in user where one is needed. */
async function exercise(path: string, method: string): Promise<Response> {
  const other = new TestBrowser();
  switch (`${method} ${path}`) {
    case "POST /api/register":
      return call(path, other, { method, body: { username: `new_${randomBytes(4).toString("hex")}`, password } });
    case "POST /api/login":
    case "POST /api/token":
      return call(path, other, { method, body: { username, password } });
    case "POST /api/logout":
      await call("/api/login", other, { method: "POST", body: { username, password } });
      return call(path, other, { method });
    case "DELETE /api/sessions/{id}": {
      await call("/api/login", other, { method: "POST", body: { username, password } });
      const list = (await (await call("/api/sessions", user)).json()) as { sessions: { id: string; current: boolean }[] };
      const target = list.sessions.find((session) => !session.current);
      return call(`/api/sessions/${target?.id ?? "missing"}`, user, { method });
    }
    case "POST /api/reauthenticate":
      return call(path, user, { method, body: { password } });
    case "POST /api/password":
      // A user of its own: the shared one must keep its password for the other operations.
      await call("/api/register", other, { method: "POST", body: { username: `pw_${randomBytes(4).toString("hex")}`, password } });
      return call(path, other, { method, body: { currentPassword: password, newPassword: `${password} 2` } });
    case "DELETE /api/account":
      await call("/api/register", other, { method: "POST", body: { username: `del_${randomBytes(4).toString("hex")}`, password } });
      return call(path, other, { method });
    case "POST /api/passkeys/registration": {
      await call("/api/register", other, { method: "POST", body: { username: `pk_${randomBytes(4).toString("hex")}`, password } });
      const options = (await (await call("/api/passkeys/registration/options", other, { method: "POST" })).json()) as PublicKeyCredentialCreationOptionsJSON;
      return call(path, other, { method, body: { response: new SoftAuthenticator().register(options, { origin: ORIGIN }), name: "Test key" } });
    }
    case "PATCH /api/passkeys/{id}":
      return call(`/api/passkeys/${(await withPasskey(other)).id}`, other, { method, body: { name: "Renamed" } });
    case "DELETE /api/passkeys/{id}":
      return call(`/api/passkeys/${(await withPasskey(other)).id}`, other, { method });
    case "POST /api/passkeys/authentication": {
      const authenticator = await withPasskey(other);
      const visitor = new TestBrowser();
      const options = (await (await call("/api/passkeys/authentication/options", visitor, { method: "POST" })).json()) as PublicKeyCredentialRequestOptionsJSON;
      return call(path, visitor, { method, body: { response: authenticator.assert(options, { origin: ORIGIN }) } });
    }
    case "POST /api/cookies":
      return call(path, user, { method, body: { name: "theme", value: "dark", signed: true } });
    case "DELETE /api/cookies/{name}":
      return call("/api/cookies/theme", user, { method });
    default:
      return call(path, user, { method, ...(method === "POST" ? { body: {} } : {}) });
  }
}

// Several operations hash passwords (scrypt at 2^17) more than once; on a busy 2-core machine that
// takes longer than vitest's default 5 s, as in the other suites that do.
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
    const response = await call(concrete, user, { method: "PUT", body: {} });
    expect(response.status).toBe(405);
    const allowed = (response.headers.get("allow") ?? "").split(", ").filter((method) => method !== "HEAD");
    expect(allowed.sort()).toEqual(Object.keys(operations).map((method) => method.toUpperCase()).sort());
    expect(await response.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});
