// A browser-like client for one app: keeps the cookies the app sets and sends them back, and sends
// `Origin` on every POST (galleta refuses cookie-carrying POSTs without it; the peers ignore it).

/** The cookies a browser would hold for one site (name → value; attributes other than expiry ignored). */
export class Cookies {
  readonly #values = new Map<string, string>();

  /** Applies `Set-Cookie` headers in order, dropping cookies they expire. */
  update(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", value = ""] = attribute.split("=").map((part) => part.trim());
        if (key.toLowerCase() === "max-age") return Number(value) <= 0;
        if (key.toLowerCase() === "expires") return Date.parse(value) <= Date.now();
        return false;
      });
      if (expired) this.#values.delete(name);
      else this.#values.set(name, pair.slice(at + 1).trim());
    }
  }

  /** The `Cookie` header to send, or undefined when there is none. */
  header(): string | undefined {
    if (this.#values.size === 0) return undefined;
    return [...this.#values].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** A copy without the cookies `drop` names. */
  without(drop: (name: string) => boolean): Cookies {
    const copy = new Cookies();
    for (const [name, value] of this.#values) if (!drop(name)) copy.#values.set(name, value);
    return copy;
  }

  /** A copy, to branch a session (the same cookies sent from several clients). */
  clone(): Cookies {
    const copy = new Cookies();
    for (const [name, value] of this.#values) copy.#values.set(name, value);
    return copy;
  }
}

/** What the benchmark reads from a response. */
export interface Reply {
  status: number;
  body: unknown;
  setCookies: string[];
}

/** The route table every app serves. */
export type Route = "register" | "login" | "session" | "visits";

export const ROUTE_REQUESTS: Readonly<Record<Route, { method: "GET" | "POST"; path: string }>> = Object.freeze({
  register: { method: "POST", path: "/api/register" },
  login: { method: "POST", path: "/api/login" },
  session: { method: "GET", path: "/api/session" },
  visits: { method: "POST", path: "/api/visits" },
});

/** The headers of one request to `origin`: Origin on POSTs, JSON when there is a body, and the jar's cookies. */
export function requestHeaders(origin: string, method: string, cookie: string | undefined, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  if (method !== "GET") headers.origin = origin;
  if (hasBody) headers["content-type"] = "application/json";
  if (cookie !== undefined) headers.cookie = cookie;
  return headers;
}

/** Sends one request with the jar's cookies and, unless `keepCookies` is false, stores what comes back. */
export async function send(
  origin: string,
  route: Route,
  jar: Cookies,
  body?: unknown,
  keepCookies = true,
): Promise<Reply> {
  const { method, path } = ROUTE_REQUESTS[route];
  const text = body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: requestHeaders(origin, method, jar.header(), text !== undefined),
    body: text,
  });
  const setCookies = response.headers.getSetCookie();
  if (keepCookies) jar.update(setCookies);
  const raw = await response.text();
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw) as unknown;
  } catch {
    // Not JSON: keep the text, the caller reports it.
  }
  return { status: response.status, body: parsed, setCookies };
}

/** Like `send`, but throws unless the app answered 2xx. */
export async function expectOk(origin: string, route: Route, jar: Cookies, body?: unknown): Promise<Reply> {
  const reply = await send(origin, route, jar, body);
  if (reply.status < 200 || reply.status > 299) {
    throw new Error(`${ROUTE_REQUESTS[route].method} ${ROUTE_REQUESTS[route].path} answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`);
  }
  return reply;
}

/** The `visits` field of a session or visits reply. */
export function visitsOf(reply: Reply): number {
  const body = reply.body;
  if (typeof body === "object" && body !== null && "visits" in body && typeof body.visits === "number") return body.visits;
  throw new Error(`No visit count in ${JSON.stringify(body).slice(0, 300)}`);
}
