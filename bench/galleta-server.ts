// A minimal stand-in for Netlify's Functions v2 runtime: each HTTP request becomes a web `Request`,
// goes to the default export of the function whose `config.path` matches, and the `Response` is
// written back. Nothing else sits in between (no `netlify dev` proxy), so the figures are
// galleta's own. Like Netlify, a function's module is loaded on its first request, not at start-up.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";

/** What Netlify passes a v2 function besides the request (the part galleta reads). */
export interface FunctionContext {
  ip: string;
  params: Record<string, string>;
}

type Handler = (request: Request, context: FunctionContext) => Promise<Response>;

/** The routes the benchmark serves, and the function file behind each. */
export const ROUTES: Readonly<Record<string, string>> = Object.freeze({
  "/api/login": "login",
  "/api/session": "session",
  "/api/visits": "visits",
  "/api/register": "register",
});

/** Where the functions are: `functions/*.ts` from the repository, or bundles (`*.mjs`) in a folder. */
export interface FunctionSource {
  dir: string;
  ext: string;
}

function isHandler(value: unknown): value is Handler {
  return typeof value === "function";
}

function loader(source: FunctionSource): (name: string) => Promise<Handler> {
  const loaded = new Map<string, Promise<Handler>>();
  return (name) => {
    let handler = loaded.get(name);
    if (handler === undefined) {
      const url = pathToFileURL(`${source.dir}/${name}${source.ext}`).href;
      handler = import(url).then((module: { default?: unknown }) => {
        if (!isHandler(module.default)) throw new TypeError(`${url} has no default export to call.`);
        return module.default;
      });
      loaded.set(name, handler);
    }
    return handler;
  };
}

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | null> {
  if (req.method === "GET" || req.method === "HEAD") return null;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** The web Request for a Node request; the body is buffered first, as Netlify (on AWS Lambda) delivers it. */
async function toRequest(req: IncomingMessage): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const body = await readBody(req);
  return new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
    method: req.method ?? "GET",
    headers,
    body: body === null || body.length === 0 ? null : body,
  });
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const body = response.body === null ? null : Buffer.from(await response.arrayBuffer());
  if (body !== null) headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/** An HTTP server that serves galleta's functions from `source`. */
export function createGalletaServer(source: FunctionSource): Server {
  const load = loader(source);
  return createServer((req, res) => {
    const name = ROUTES[new URL(req.url ?? "/", "http://x").pathname];
    const handle = async () => {
      if (name === undefined) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found"}}');
        return;
      }
      const [handler, request] = await Promise.all([load(name), toRequest(req)]);
      const response = await handler(request, { ip: req.socket.remoteAddress ?? "127.0.0.1", params: {} });
      await writeResponse(response, res);
    };
    handle().catch((error: unknown) => {
      // Netlify answers a function that throws with a 500; galleta's functions never should.
      console.error("galleta-server:", error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
}

/**
 * Serves the functions named by GALLETA_FUNCTIONS_DIR and GALLETA_FUNCTIONS_EXT (default: the
 * repository's `functions/*.ts`) on PORT (0: any free port) and prints `{"listening":<port>}`.
 */
export function start(): Server {
  const dir = process.env.GALLETA_FUNCTIONS_DIR ?? new URL("../functions", import.meta.url).pathname;
  const ext = process.env.GALLETA_FUNCTIONS_EXT ?? ".ts";
  const server = createGalletaServer({ dir, ext });
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
  });
  return server;
}
