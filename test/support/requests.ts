import type { Handler, RequestContext } from "../../lib/http/http.ts";

/** The site's origin in integration tests. */
export const ORIGIN = "http://localhost:8888";

/** A Netlify-like context for calling a function's default export directly. */
export function contextFor(params: Record<string, string> = {}, ip = "127.0.0.1"): RequestContext {
  return { ip, params };
}

let addresses = 0;
function nextTestAddress(): string {
  addresses += 1;
  return `198.${18 + ((addresses >> 16) & 1)}.${(addresses >> 8) & 255}.${addresses & 255}`;
}

/**
 * A tiny cookie-keeping client for integration tests: remembers `Set-Cookie` answers (Max-Age=0
 * removes), sends them back as a `Cookie` header, and adds the site's `Origin` to state changes as a
 * browser would.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  userAgent = "galleta-tests";
  /**
   * The client address `send` reports unless told otherwise: one per browser (from 198.18.0.0/15,
   * reserved for tests), as on the web, so the per-network limits on log-in and registration count
   * each test's browser apart rather than all of them as one 127.0.0.1.
   */
  ip = nextTestAddress();

  request(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Request {
    const method = init.method ?? "GET";
    const headers = new Headers(init.headers);
    if (!headers.has("user-agent")) headers.set("user-agent", this.userAgent);
    if (this.cookies.size > 0 && !headers.has("cookie")) headers.set("cookie", this.cookieHeader());
    if (method !== "GET" && method !== "HEAD" && !headers.has("origin")) headers.set("origin", ORIGIN);
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    return new Request(new URL(path, ORIGIN), { method, headers, body });
  }

  /**
   * Builds a request, calls a function's default export with it (path parameters and client address
   * in `init.params` / `init.ip`), and remembers the cookies the response sets, once the work the
   * function left for after its answer has settled.
   */
  async send(
    handler: Handler,
    path: string,
    init: Parameters<TestBrowser["request"]>[1] & { params?: Record<string, string>; ip?: string } = {},
  ): Promise<Response> {
    const { params, ip, ...requestInit } = init;
    // Work the function leaves for after its answer (Netlify's context.waitUntil) settles before this
    // returns, as the instance would finish it before this browser's next request could come.
    const after: Promise<unknown>[] = [];
    const response = await handler(this.request(path, requestInit), { ...contextFor(params, ip ?? this.ip), waitUntil: (promise) => after.push(promise) });
    await Promise.all(after);
    return this.remember(response);
  }

  /** Stores the response's cookies and returns the response. */
  remember(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0(;|$)/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}
