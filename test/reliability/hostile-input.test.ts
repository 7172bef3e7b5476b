import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import cookieDelete from "../../functions/cookie-delete.ts";
import cookies from "../../functions/cookies.ts";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import register from "../../functions/register.ts";
import sessionRevoke from "../../functions/session-revoke.ts";
import session from "../../functions/session.ts";
import sessions from "../../functions/sessions.ts";
import token from "../../functions/token.ts";
import visits from "../../functions/visits.ts";
import type { Handler } from "../../lib/http/http.ts";
import { startFunctionServer, type FunctionServer } from "../../netlify/function-server.ts";
import { ORIGIN, TestBrowser } from "../support/requests.ts";
import { expectDocumentedError, SECRET, send, sessionKeyOf, useFunctionEnv } from "./support.ts";

// Issue #6 asks for at least 10,000 generated cases; the counts below add up to 12,320.
const RUNS = {
  sessionCookies: 2500,
  counterCookies: 800,
  playgroundCookies: 1200,
  cacheCookies: 600,
  bearer: 1500,
  bodies: 2000,
  playgroundSets: 600,
  usernames: 1000,
  params: 1000,
  methods: 800,
  paths: 300,
  passwordChecks: 20,
} as const;

const PASSWORD = "hostile tests password";

const api = useFunctionEnv();

const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
afterEach(() => {
  // The functions log only what becomes a 5xx; none may happen here.
  expect(logged.mock.calls.map(([first]) => String(first))).toEqual([]);
});

/** A logged-in user with visits, whose session forged input must never reach, and what they hold. */
let victim: { browser: TestBrowser; id: string; username: string; key: string; sessionId: string; signed: string; token: string; cache: string };
/** A playground cookie signed with the real secret, to prove only genuine signatures verify. */
const PLAY_VALUE = "genuine-playground-value";
const PLAY_SIGNED = `s:${PLAY_VALUE}.${createHmac("sha256", SECRET).update(PLAY_VALUE).digest("base64").replace(/=+$/, "")}`;
/** Tokens with the victim's claims, signed with keys that are not the server's. */
const foreignTokens: string[] = [];

beforeAll(async () => {
  const browser = new TestBrowser();
  const username = `victim_${randomBytes(4).toString("hex")}`;
  const registered = await send(browser, register, "/api/register", { method: "POST", body: { username, password: PASSWORD } });
  expect(registered.status).toBe(201);
  const { user } = (await registered.json()) as { user: { id: string } };
  for (let i = 0; i < 5; i += 1) expect((await send(browser, visits, "/api/visits", { method: "POST" })).status).toBe(200);
  const issued = (await (await send(browser, token, "/api/token", { method: "POST" })).json()) as { token: string };
  const signed = decodeURIComponent(browser.cookies.get("sid") ?? "");
  const sessionId = signed.slice(2, signed.lastIndexOf("."));
  // The victim's encrypted cache cookie, as the server would write it with the cache on.
  process.env.SESSION_CACHE_SECONDS = "300";
  const cached = new TestBrowser();
  cached.cookies.set("sid", browser.cookies.get("sid") ?? "");
  await send(cached, session, "/api/session");
  delete process.env.SESSION_CACHE_SECONDS;
  victim = { browser, id: user.id, username, key: sessionKeyOf(browser), sessionId, signed, token: issued.token, cache: cached.cookies.get("sid.cache") ?? "" };
  expect(victim.cache).not.toBe("");

  const claims = { sid: victim.key };
  const now = Math.floor(Date.now() / 1000);
  const keys = [new TextEncoder().encode(SECRET), new TextEncoder().encode("x".repeat(32)), randomBytes(32)];
  for (const key of keys) {
    foreignTokens.push(
      await new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(victim.id).setIssuer("galleta").setAudience("galleta-api").setIssuedAt(now).setExpirationTime(now + 600).sign(key),
    );
  }
});

afterAll(async () => {
  // Nothing forged reached the victim: still logged in, still at 5 visits.
  const response = await send(victim.browser, session, "/api/session");
  expect(await response.json()).toMatchObject({ authenticated: true, visits: 5, user: { id: victim.id } });
});

// ---------- generators ----------

/** What a header can carry: any text as the UTF-8 bytes a client would send, read back as Latin-1 (as Node does), minus CR, LF and NUL. */
function asHeader(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1").replace(/[\r\n\0]/g, "");
}

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.string({ unit: fc.constantFrom("=", ";", ",", " ", '"', "%", "\\", ".", "s", ":", "\t"), maxLength: 40 }),
);
const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{0,64}$/);
const huge = fc.integer({ min: 4096, max: 40_000 }).map((size) => "A".repeat(size));

/** Replaces one character of `value` with another that differs, or cuts or extends it: never the value itself. */
function tampered(value: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.nat({ max: value.length - 1 }), fc.constantFrom(..."ABCxyz019-_+/=.%s:")).map(([at, char]) => {
      const next = value.slice(0, at) + (value[at] === char ? (char === "A" ? "B" : "A") : char) + value.slice(at + 1);
      return next;
    }),
    fc.nat({ max: value.length - 1 }).map((length) => value.slice(0, length)),
    fc.stringMatching(/^[A-Za-z0-9.]{1,8}$/).map((tail) => value + tail),
  );
}

/** Values for a `sid` cookie that claim to be signed but are not, by our secret, over the victim's id. */
const forgedSid = (): fc.Arbitrary<string> => fc.oneof(
  anyText,
  huge,
  base64url.map((sig) => `s:${victim.sessionId}.${sig}`),
  fc.string({ minLength: 32, maxLength: 64 }).map((secret) => `s:${victim.sessionId}.${createHmac("sha256", secret).update(victim.sessionId).digest("base64").replace(/=+$/, "")}`),
  fc.constant(`s:${victim.sessionId}`),
  fc.constant(victim.sessionId),
  fc.constant(victim.key),
  fc.constant(`s:${victim.key}.${victim.signed.slice(victim.signed.lastIndexOf(".") + 1)}`),
  fc.constant(PLAY_SIGNED),
  fc.constant(victim.token),
  tampered(victim.signed),
  tampered(victim.signed).map(encodeURIComponent),
  fc.tuple(base64url, base64url).map(([id, sig]) => `s:${id}.${sig}`),
);

const cookieName = fc.oneof(
  fc.constantFrom("sid", "__Host-sid", "sid.cache", "SID", " sid", "sid ", "__proto__", "constructor", "theme", "play.theme", "play.__proto__", "play.", "s", ""),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/),
  anyText,
);

/** A whole Cookie header: pairs (the session cookie often among them), junk, odd separators. */
function cookieHeader(): fc.Arbitrary<string> {
  const sidValue = forgedSid();
  const pair = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom("sid", "__Host-sid", "sid"), sidValue).map(([n, v]) => `${n}=${v}`) },
    { weight: 2, arbitrary: fc.tuple(cookieName, fc.oneof(anyText, sidValue)).map(([n, v]) => `${n}=${v}`) },
    { weight: 1, arbitrary: anyText },
  );
  return fc.oneof(
    { weight: 9, arbitrary: fc.tuple(fc.array(pair, { minLength: 1, maxLength: 6 }), fc.constantFrom("; ", ";", ", ", " ; ")).map(([pairs, sep]) => pairs.join(sep)) },
    { weight: 1, arbitrary: huge.map((a) => `sid=${a}`) },
  ).map(asHeader);
}

/** A random JWT-looking string: three base64url segments, the first two usually JSON. */
const jwtLooking = (): fc.Arbitrary<string> => fc
  .tuple(
    fc.oneof(fc.record({ alg: fc.constantFrom("HS256", "none", "RS256", "HS512", "dir", ""), typ: fc.constantFrom("JWT", "at+jwt") }), fc.jsonValue()),
    fc.oneof(
      fc.record({ sub: fc.constantFrom(victim.id, "admin"), sid: fc.constant(victim.key), iss: fc.constant("galleta"), aud: fc.constant("galleta-api"), iat: fc.nat(), exp: fc.integer({ min: 0, max: 2 ** 40 }) }),
      fc.jsonValue(),
    ),
    base64url,
  )
  .map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${signature}`);

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value) ?? "null").toString("base64url");
}

/** The victim's real token, altered so that what it says or its signature bytes differ. */
function alteredToken(): fc.Arbitrary<string> {
  const [header = "", payload = "", signature = ""] = victim.token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  return fc.oneof(
    tampered(victim.token).filter((candidate) => {
      // Base64url's last character carries spare bits: a change there alone leaves the same signature bytes.
      const [h, p, s] = candidate.split(".");
      return !(h === header && p === payload && s !== undefined && Buffer.from(s, "base64url").equals(Buffer.from(signature, "base64url")));
    }),
    fc.constantFrom(
      `${header}.${b64({ ...claims, sub: "000000000000000000000000" })}.${signature}`,
      `${header}.${b64({ ...claims, exp: 2 ** 40 })}.${signature}`,
      `${b64({ alg: "none", typ: "JWT" })}.${payload}.`,
      `${b64({ alg: "none" })}.${payload}.${signature}`,
      `${header}.${payload}`,
      `${header}.${payload}.`,
    ),
    fc.constantFrom(...foreignTokens),
  );
}

const authorization = (): fc.Arbitrary<string> => fc
  .oneof(
    anyText,
    fc.oneof(jwtLooking(), alteredToken(), anyText, base64url).chain((t) => fc.constantFrom(`Bearer ${t}`, `bearer ${t}`, `Bearer  ${t}`, `Basic ${t}`, t, `Bearer ${t} extra`)),
  )
  .map(asHeader);

/** JSON that parses to anything, text that does not, bodies nested deep or over 16 KiB. */
const bodyText = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.dictionary(fc.constantFrom("username", "password", "name", "value", "__proto__", "constructor", "maxAge"), fc.jsonValue(), { maxKeys: 4 }).map((value) => JSON.stringify(value)),
  anyText,
  fc.nat({ max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.nat({ max: 5_000 }).map((depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
  fc.integer({ min: 16 * 1024 - 16, max: 100_000 }).map((size) => JSON.stringify({ username: "a".repeat(size), password: 1 })),
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8", "APPLICATION/JSON") },
  { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/jsonx", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "") },
  { weight: 1, arbitrary: anyText.map(asHeader) },
);

/** Whether a body would make login check a password with scrypt (~80 ms); those are kept to a few. */
function isCredentialShaped(text: string): boolean {
  try {
    const value = JSON.parse(text) as { username?: unknown; password?: unknown } | null;
    return typeof value === "object" && value !== null && typeof value.username === "string" && typeof value.password === "string";
  } catch {
    return false;
  }
}

// ---------- oracles ----------

/** Calls a function directly; returns status, headers and text after checking every non-2xx is a documented error. */
async function call(handler: Handler, request: Request, params: Record<string, string> = {}, ip = "127.0.0.1") {
  const response = await handler(request, { ip, params });
  const text = await response.text();
  const label = `${request.method} ${new URL(request.url).pathname}`;
  expect(response.status, `${label} → ${text.slice(0, 200)}`).not.toBeGreaterThanOrEqual(500);
  if (response.status >= 300) expectDocumentedError(response.status, response.headers, text, label);
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function requestWith(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Request {
  const method = init.method ?? "GET";
  const headers = new Headers(init.headers);
  if (method !== "GET" && method !== "HEAD" && !headers.has("origin")) headers.set("origin", ORIGIN);
  return new Request(new URL(path, ORIGIN), { method, headers, body: init.body });
}

const options = (numRuns: number) => ({ numRuns, endOnFailure: false });

// ---------- properties ----------

describe("hostile input (property-based, fast-check)", () => {
  it(`never accepts a forged or tampered session cookie (${RUNS.sessionCookies} Cookie headers at GET /api/session)`, { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(cookieHeader(), async (cookie) => {
        const { status, json } = await call(session, requestWith("/api/session", { headers: { cookie } }));
        expect(status).toBe(200);
        expect(json()).toEqual({ authenticated: false, visits: 0 });
      }),
      options(RUNS.sessionCookies),
    );
  });

  it(`never counts a visit on someone else's session from a forged cookie (${RUNS.counterCookies} at POST /api/visits)`, { timeout: 60_000 }, async () => {
    // Each forged visit starts an anonymous session, counted per client network. From one address its
    // counter would hold every one of them, and the stand-in rewrites that ever longer array on each
    // visit (6 s of this file's 15): a client address per case keeps each counter at one entry. The
    // address plays no part in reading the cookie.
    let client = 0;
    await fc.assert(
      fc.asyncProperty(cookieHeader(), async (cookie) => {
        client += 1;
        const ip = `10.2.${(client >> 8) & 255}.${client & 255}`;
        const { status, json } = await call(visits, requestWith("/api/visits", { method: "POST", headers: { cookie } }), {}, ip);
        expect(status).toBe(200);
        expect(json()).toEqual({ authenticated: false, visits: 1, firstVisit: true });
      }),
      options(RUNS.counterCookies),
    );
  });

  it(`lists as signed only cookies whose signature is genuine (${RUNS.playgroundCookies} at GET /api/cookies)`, { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(cookieHeader(), async (cookie) => {
        const { status, json } = await call(cookies, requestWith("/api/cookies", { headers: { cookie } }));
        expect(status).toBe(200);
        const listing = json() as { cookies: Record<string, string>; signedCookies: Record<string, string>; invalidSignedCookies: string[] };
        for (const value of Object.values(listing.signedCookies)) expect(value).toBe(PLAY_VALUE);
        // Only the playground's own namespace reaches the page: never galleta's cookies, nor anyone else's.
        const names = [...Object.keys(listing.cookies), ...Object.keys(listing.signedCookies), ...listing.invalidSignedCookies];
        for (const name of names) expect(name).toMatch(/^play\.[A-Za-z0-9_-]{1,64}$/);
      }),
      options(RUNS.playgroundCookies),
    );
  });

  it(`never takes a forged cache cookie beside a genuine anonymous session for a login (${RUNS.cacheCookies}, cache on)`, { timeout: 60_000 }, async () => {
    process.env.SESSION_CACHE_SECONDS = "300";
    try {
      const attacker = new TestBrowser();
      await send(attacker, visits, "/api/visits", { method: "POST" });
      const sid = attacker.cookies.get("sid") ?? "";
      const [header = "", , iv = "", ciphertext = "", tag = ""] = victim.cache.split(".");
      const cacheValue = fc.oneof(anyText, jwtLooking(), fc.constant(victim.cache), tampered(victim.cache), fc.constant(`${header}..${iv}.${ciphertext}.${tag}`));
      await fc.assert(
        fc.asyncProperty(cacheValue.map(asHeader), async (cache) => {
          const { status, json } = await call(session, requestWith("/api/session", { headers: { cookie: `sid=${sid}; sid.cache=${cache}` } }));
          expect(status).toBe(200);
          expect(json()).toMatchObject({ authenticated: false, visits: 1 });
        }),
        options(RUNS.cacheCookies),
      );
    } finally {
      delete process.env.SESSION_CACHE_SECONDS;
    }
  });

  it(`refuses every forged, tampered or malformed bearer token with 401 invalid_token (${RUNS.bearer} Authorization headers)`, { timeout: 60_000 }, async () => {
    const targets: Array<[Handler, string, string]> = [
      [session, "GET", "/api/session"],
      [visits, "POST", "/api/visits"],
      [sessions, "GET", "/api/sessions"],
      [logout, "POST", "/api/logout"],
      [token, "POST", "/api/token"],
    ];
    await fc.assert(
      fc.asyncProperty(authorization(), fc.nat({ max: targets.length - 1 }), async (header, which) => {
        const [handler, method, path] = targets[which] as [Handler, string, string];
        // A cookie-borne session beside the token must not be used in its place either.
        const { status, json } = await call(handler, requestWith(path, { method, headers: { authorization: header, cookie: `sid=${encodeURIComponent(victim.signed)}` } }));
        expect(status).toBe(401);
        expect(json()).toMatchObject({ error: { code: "invalid_token" } });
      }),
      options(RUNS.bearer),
    );
  });

  it(`answers malformed JSON bodies with 400, 413 or 415, never a 500 (${RUNS.bodies} bodies at login, register, token and cookies)`, { timeout: 90_000 }, async () => {
    const targets: Array<[Handler, string]> = [
      [login, "/api/login"],
      [register, "/api/register"],
      [token, "/api/token"],
      [cookies, "/api/cookies"],
    ];
    await fc.assert(
      fc.asyncProperty(bodyText, contentType, fc.nat({ max: targets.length - 1 }), async (body, type, which) => {
        const [handler, path] = targets[which] as [Handler, string];
        fc.pre(!isCredentialShaped(body));
        const { status, headers } = await call(handler, requestWith(path, { method: "POST", headers: { "content-type": type }, body }), {}, `10.0.${which}.1`);
        if (status === 200 && path === "/api/cookies") expect(headers.getSetCookie()).toHaveLength(1);
        else expect([400, 413, 415]).toContain(status);
      }),
      options(RUNS.bodies),
    );
  });

  it(`sets a playground cookie or answers 400, whatever its name, value and options (${RUNS.playgroundSets} at POST /api/cookies)`, { timeout: 60_000 }, async () => {
    const name = fc.oneof(fc.stringMatching(/^play\.[A-Za-z0-9_-]{1,64}$/), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.constantFrom("sid", "__Host-sid", "sid.cache", "play.sid"), anyText);
    const value = fc.oneof(anyText, fc.string({ unit: "grapheme", minLength: 500, maxLength: 1024 }), fc.string({ unit: "binary", maxLength: 1024 }), fc.string({ minLength: 1000, maxLength: 3000 }));
    const maxAge = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: -1, max: 400 * 86_400_000 + 1 }), fc.double(), fc.jsonValue());
    const flag = fc.oneof(fc.constant(undefined), fc.boolean(), fc.jsonValue());
    const body = fc.record({ name, value, maxAge, signed: flag, httpOnly: flag }, { requiredKeys: ["name", "value"] });
    await fc.assert(
      fc.asyncProperty(body, async (fields) => {
        const { status, headers } = await call(cookies, requestWith("/api/cookies", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fields) }));
        expect([200, 400, 413]).toContain(status);
        if (status === 200) {
          const [line, ...more] = headers.getSetCookie();
          expect(more).toEqual([]);
          expect(line?.startsWith(`${String(fields.name)}=`)).toBe(true);
          expect(Buffer.byteLength(line ?? "")).toBeLessThanOrEqual(4096);
        }
      }),
      options(RUNS.playgroundSets),
    );
  });

  it(`refuses every invalid username before any password is hashed, naming the field (${RUNS.usernames} usernames)`, { timeout: 60_000 }, async () => {
    const username = fc.oneof(anyText, fc.stringMatching(/^[A-Za-z0-9_.\- ]{0,40}$/), fc.constantFrom("ab", "a".repeat(33), " Admin ", "\u212Aelvin", "İstanbul", "user\u0000", "$where", "user@example.com"));
    const users = api.mongo.db.collection("users");
    const usersBefore = await users.countDocuments();
    const badPassword = fc.oneof(fc.string({ maxLength: 7 }), fc.string({ minLength: 257, maxLength: 400 }), fc.jsonValue().filter((v) => typeof v !== "string"));
    await fc.assert(
      fc.asyncProperty(username, badPassword, async (name, password) => {
        const { status, json } = await call(register, requestWith("/api/register", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: name, password }) }));
        expect(status).toBe(400);
        // The body's shape is checked first (a password that is no string), then the username, then the password's length.
        const valid = typeof password === "string" && /^[a-z0-9_.-]{3,32}$/.test(name.trim().toLowerCase());
        expect(json()).toMatchObject({ error: { code: "invalid_input", field: typeof password !== "string" || valid ? "password" : "username" } });
      }),
      options(RUNS.usernames),
    );
    expect(await users.countDocuments(), "no user was created").toBe(usersBefore);
  });

  it(`treats any :id or :name path parameter as data: 404 for sessions not yours, 204 or 400 for cookie names (${RUNS.params} params)`, { timeout: 60_000 }, async () => {
    const other = new TestBrowser();
    expect((await send(other, register, "/api/register", { method: "POST", body: { username: `other_${randomBytes(4).toString("hex")}`, password: PASSWORD } })).status).toBe(201);
    const param = fc.oneof(anyText, base64url, fc.constantFrom(victim.key, victim.key.toUpperCase(), victim.sessionId, "sid", "__Host-sid", "sid.cache", "__proto__", "play.theme", "play.", "..", "%2F", "a/b", "x".repeat(65)), huge.map((h) => h.slice(0, 5000)));
    await fc.assert(
      fc.asyncProperty(param, fc.boolean(), async (value, revoke) => {
        if (revoke) {
          const { status } = await call(sessionRevoke, other.request(`/api/sessions/x`, { method: "DELETE" }), { id: value });
          expect(status).toBe(404);
        } else {
          const { status, headers } = await call(cookieDelete, other.request(`/api/cookies/x`, { method: "DELETE" }), { name: value });
          expect([204, 400]).toContain(status);
          if (!/^play\.[A-Za-z0-9_-]{1,64}$/.test(value)) expect(status).toBe(400);
          if (status === 204) {
            expect(headers.getSetCookie()).toHaveLength(1);
            expect(headers.getSetCookie()[0]).toMatch(/^[^=;\s]+=; Max-Age=0;/);
          }
        }
      }),
      options(RUNS.params),
    );
  });

  it(`answers any method with the function's response or 405 and an Allow header (${RUNS.methods} methods)`, { timeout: 60_000 }, async () => {
    const all: Array<[Handler, string]> = [
      [session, "/api/session"],
      [visits, "/api/visits"],
      [sessions, "/api/sessions"],
      [cookies, "/api/cookies"],
      [login, "/api/login"],
      [logout, "/api/logout"],
      [register, "/api/register"],
      [token, "/api/token"],
    ];
    const method = fc.oneof(fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "patch", "Post"), fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/));
    await fc.assert(
      fc.asyncProperty(method, fc.nat({ max: all.length - 1 }), async (name, which) => {
        const [handler, path] = all[which] as [Handler, string];
        let request: Request;
        try {
          request = requestWith(path, { method: name });
        } catch {
          fc.pre(false); // CONNECT, TRACE, TRACK: the platform refuses to build such a request at all.
          return;
        }
        const { status, headers } = await call(handler, request);
        if (status === 405) expect(headers.get("allow")?.split(", ")).not.toContain(request.method);
      }),
      options(RUNS.methods),
    );
  });

  it(`routes any /api/ path over HTTP to a function or a JSON 404 (${RUNS.paths} paths through the function server)`, { timeout: 60_000 }, async () => {
    let server: FunctionServer | undefined;
    try {
      server = await startFunctionServer();
      const base = server.url;
      const segment = fc.oneof(fc.constantFrom("session", "sessions", "cookies", "visits", "login", "..", ".", "%2e%2e", "", "health"), anyText.map((text) => encodeURIComponent(Buffer.from(text).toString())), base64url);
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom("GET", "POST", "DELETE", "PUT"), async (segments, method) => {
          const response = await fetch(`${base}/api/${segments.join("/")}`, { method, headers: { origin: base } });
          const text = await response.text();
          expect(response.status).toBeLessThan(500);
          if (response.status >= 300) expectDocumentedError(response.status, response.headers, text, `${method} /api/${segments.join("/")}`);
        }),
        options(RUNS.paths),
      );
    } finally {
      await server?.close();
    }
  });

  it(`checks a few arbitrary passwords for real: 401 or 429, never a session (${RUNS.passwordChecks} scrypt checks)`, { timeout: 60_000 }, async () => {
    const username = fc.oneof(fc.constant(victim.username), fc.constant(victim.username.toUpperCase()), anyText);
    await fc.assert(
      fc.asyncProperty(username, anyText, fc.nat(), async (name, password, client) => {
        fc.pre(password !== PASSWORD);
        const { status, headers } = await call(login, requestWith("/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: name, password }) }), {}, `10.1.${client % 250}.${client % 7}`);
        expect([401, 429]).toContain(status);
        expect(headers.getSetCookie().filter((line) => /^(__Host-)?sid=[^;]/.test(line))).toEqual([]);
      }),
      options(RUNS.passwordChecks),
    );
  });
});
