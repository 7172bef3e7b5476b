import { readdir, readFile } from "node:fs/promises";
import type { Handler } from "../../lib/http/http.ts";
import { contextFor, type TestBrowser } from "./requests.ts";

/** A JSON schema as public/openapi.json writes them (only what the tests read). */
export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maxLength?: number;
}

/** One operation of public/openapi.json (only what the tests read). */
export interface Operation {
  /** Absent: the operation takes no session. An empty requirement (`{}`) among them: it also serves callers without one. */
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: Schema; example?: unknown }[];
  requestBody?: { required?: boolean; content: { "application/json": { schema: Schema; example?: unknown } } };
  responses: Record<string, { content?: { "application/json": { schema: object } } }>;
}

/** public/openapi.json, typed as far as the tests read it. */
export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** The API's description, as the site serves it. */
export const spec = JSON.parse(await readFile(new URL("../../public/openapi.json", import.meta.url), "utf8")) as OpenApi;

/** Every documented operation: its method (upper case), its path template (`/api/sessions/{id}`) and its description. */
export const documented = Object.entries(spec.paths).flatMap(([path, operations]) =>
  Object.entries(operations).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
);

/** Every function module in functions/, by the path it declares (none for the 404 fallback). */
export const functions = new Map<string, Handler>();
for (const file of await readdir(new URL("../../functions/", import.meta.url))) {
  const module = (await import(`../../functions/${file}`)) as { default: Handler; config?: { path?: string } };
  if (module.config?.path !== undefined) functions.set(module.config.path, module.default);
}

/**
 * Calls the function that serves `path` (a concrete path, `/api/sessions/abc`) as Netlify would,
 * with its path parameters, from `browser`, which remembers the cookies the answer sets.
 */
export async function callPath(path: string, browser: TestBrowser, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  // An exact path wins over a `:param` one, as on Netlify (/api/passkeys/registration is not a passkey's id).
  const pattern = functions.has(path) ? path : [...functions.keys()].find((candidate) => new RegExp(`^${candidate.replace(/:\w+/g, "[^/]+")}$`).test(path));
  if (pattern === undefined) throw new Error(`no function serves ${path}`);
  const handler = functions.get(pattern) as Handler;
  const names = pattern.match(/:\w+/g) ?? [];
  const values = new RegExp(`^${pattern.replace(/:\w+/g, "([^/]+)")}$`).exec(path)?.slice(1) ?? [];
  const params = Object.fromEntries(names.map((name, i) => [name.slice(1), decodeURIComponent(values[i] ?? "")]));
  return browser.remember(await handler(browser.request(path, init), contextFor(params)));
}

/**
 * A value a careful caller could send for `schema`: its `example` or `default` when the description
 * gives one, else a plain one of its type. Strings are one word of 32 characters from [a-z0-9_], which
 * fits every name and password rule the API has (usernames, cookie names, 8 characters and more).
 */
export function plausible(schema: Schema): unknown {
  const resolved = schema.$ref === undefined ? schema : spec.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
  if (resolved === undefined) throw new Error(`openapi.json names a schema it does not define: ${schema.$ref}`);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.default !== undefined) return resolved.default;
  switch (resolved.type) {
    case "object": {
      // `allOf` extends other objects (LogIn is Credentials and more): their fields come first.
      const inherited = (resolved.allOf ?? []).map((part) => plausible(part) as Record<string, unknown>);
      const own = (resolved.required ?? []).map((name) => [name, plausible(resolved.properties?.[name] ?? {})]);
      return Object.assign({}, ...inherited, Object.fromEntries(own));
    }
    case "integer":
    case "number":
      return resolved.minimum ?? 0;
    case "boolean":
      return false;
    default:
      return "plausible_value_for_api_tests_01".slice(0, resolved.maxLength ?? 32);
  }
}

/** A concrete request for an operation: its path with every parameter filled in, and a body where one is required. */
export function plausibleCall(path: string, method: string, operation: Operation): { path: string; method: string; body?: unknown } {
  const concrete = path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const parameter = operation.parameters?.find((each) => each.in === "path" && each.name === name);
    return encodeURIComponent(String(parameter?.example ?? plausible(parameter?.schema ?? {})));
  });
  const body = operation.requestBody;
  if (body?.required !== true) return { path: concrete, method };
  const media = body.content["application/json"];
  return { path: concrete, method, body: media.example ?? plausible(media.schema) };
}
