// A minimal node:http adapter that serves galleta's functions as Netlify's Functions v2 runtime
// does: the request becomes a web `Request`, goes to the default export of the function whose
// `config.path` matches, and the `Response` is streamed back. It serves either the sources
// (functions/*.ts) or what `netlify build` ships (netlify/build.ts's dist/functions/<name>/<name>.mjs).
// The tests use it to reach the functions over real HTTP without `netlify dev` and its proxy, and
// the benchmark (bench/) to serve the shipped bundles: one adapter, so both measure the same path.
import { readdir } from "node:fs/promises";
import { functionNames } from "./function-names.ts";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Handler } from "../lib/http/http.ts";

/** Where to listen (port 0, the default, picks a free one; host defaults to loopback), and what to serve. */
export interface FunctionServerOptions {
  port?: number;
  host?: string;
  /** A folder of built functions (`<name>/<name>.mjs`, as netlify/build.ts writes them); default: the sources in functions/. */
  built?: string;
  /** Only these functions (by name); default: every one. */
  only?: readonly string[];
}

/** A running function server. */
export interface FunctionServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  /** Stops listening and closes every connection, idle keep-alive ones included. */
  close(): Promise<void>;
}

interface Route {
  name: string;
  handler: Handler;
  /** For `:param` paths; undefined for exact ones. */
  pattern: URLPattern | undefined;
  path: string;
}

const SOURCES = fileURLToPath(new URL("../functions/", import.meta.url));

/** Netlify's synchronous functions accept request bodies up to 6 MB; larger ones never reach the function. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/**
 * The routes of every function module: `config.path` when it has one, else Netlify's default
 * `/.netlify/functions/<name>`. Exact paths come before `:param` patterns, as on Netlify.
 */
async function loadRoutes(options: FunctionServerOptions): Promise<Route[]> {
  const { built } = options;
  const names = built === undefined
    ? await functionNames(SOURCES)
    : await readdir(built);
  const file = (name: string) => (built === undefined ? join(SOURCES, `${name}.ts`) : join(built, name, `${name}.mjs`));
  const routes = await Promise.all(
    names.filter((name) => options.only?.includes(name) ?? true).sort().map(async (name): Promise<Route> => {
      const module = (await import(pathToFileURL(file(name)).href)) as { default?: unknown; config?: { path?: unknown } };
      if (typeof module.default !== "function") throw new TypeError(`${file(name)} has no default export to call.`);
      const path = typeof module.config?.path === "string" ? module.config.path : `/.netlify/functions/${name}`;
      const pattern = path.includes(":") ? new URLPattern({ pathname: path }) : undefined;
      return { name, handler: module.default as Handler, pattern, path };
    }),
  );
  return routes.sort((a, b) => Number(a.pattern !== undefined) - Number(b.pattern !== undefined));
}

/** The route for a path and its parameters; unclaimed /api/* paths go to `not-found`, as netlify.toml rewrites them. */
function match(routes: readonly Route[], pathname: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.pattern === undefined) {
      if (route.path === pathname) return { route, params: {} };
      continue;
    }
    const result = route.pattern.exec({ pathname });
    if (result !== null) {
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(result.pathname.groups)) if (value !== undefined) params[key] = value;
      return { route, params };
    }
  }
  const notFound = routes.find((route) => route.name === "not-found");
  return pathname.startsWith("/api/") && notFound !== undefined ? { route: notFound, params: {} } : undefined;
}

/** The whole body, buffered as Netlify delivers it to a function; undefined when it is over the limit (read to the end, kept no further). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  }
  return size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks);
}

function toRequest(req: IncomingMessage, url: URL, body: Buffer): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD" && body.length > 0;
  return new Request(url, { method, headers, body: hasBody ? new Uint8Array(body) : null });
}

/**
 * Writes the status and every header (each `Set-Cookie` on its own line), then the body, read
 * whole: galleta's functions answer a few hundred bytes of JSON, and piping a web stream into the
 * Node response (Readable.fromWeb) cost this adapter about a quarter of its CPU per request.
 */
async function writeResponse(response: Response, res: ServerResponse, head: boolean): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (response.body === null || head) {
    await response.body?.cancel();
    res.end();
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  res.setHeader("content-length", body.length);
  res.end(body);
}

function plain(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ error: { code, message } }));
}

/** Serves every function in functions/ over HTTP until `close()`. */
export async function startFunctionServer(options: FunctionServerOptions = {}): Promise<FunctionServer> {
  const routes = await loadRoutes(options);
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    const handle = async (): Promise<void> => {
      const body = await readBody(req);
      const url = URL.parse(req.url ?? "/", `http://${req.headers.host ?? host}`);
      if (url === null) return plain(res, 400, "invalid_input", "The request's Host or path is not a valid URL.");
      const found = match(routes, url.pathname);
      if (found === undefined) return plain(res, 404, "not_found", "No function at this path.");
      if (body === undefined) return plain(res, 413, "payload_too_large", "The request body is larger than 6 MB.");
      const request = toRequest(req, url, body);
      const response = await found.route.handler(request, { ip: req.socket.remoteAddress ?? "", params: found.params });
      await writeResponse(response, res, request.method === "HEAD");
    };
    handle().catch((error: unknown) => {
      // Netlify answers a function that throws with a 500; galleta's functions never should.
      console.error("function-server:", error);
      if (!res.headersSent) plain(res, 500, "internal_error", "The function failed.");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

// `node netlify/function-server.ts [dist/functions]` serves the sources (or the built functions in
// that folder) on PORT (default 9999) until interrupted.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = process.argv[2];
  const server = await startFunctionServer({
    port: Number(process.env.PORT ?? 9999),
    host: process.env.HOST ?? "127.0.0.1",
    ...(built === undefined ? {} : { built }),
  });
  console.log(`galleta functions listening on ${server.url}`);
  const stop = async () => {
    await server.close();
    // Served from the sources, the functions share lib/'s client; each bundle has its own, which only ending the process closes.
    if (built === undefined) await (await import("../lib/runtime/mongo.ts")).closeDatabase();
    else process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
