import { beforeAll, describe, expect, it } from "vitest";
import account from "../../functions/account.ts";
import logout from "../../functions/logout.ts";
import password from "../../functions/password.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { callPath, documented, plausibleCall, type Operation } from "../support/openapi.ts";
import { TestBrowser } from "../support/requests.ts";
import { loggedIn } from "../functions/account-harness.ts";
import { expectError, expectNoLeaks, handleOf, PASSWORD, registerUser, SECRET } from "../functions/harness.ts";

// Issue 15, item 4: the cookie cache serves the session read and nothing else. This walks every
// operation public/openapi.json documents, so a new one is covered as soon as it is documented: one
// that takes a session must say so under `security`, and one whose required body is checked before
// the session should give an `example` there (else a body is made up from its schema).

// The cookie cache on, with a window no test outlives: every replay below lands inside it.
useFunctionEnv({ SESSION_SECRETS: SECRET, SESSION_CACHE_SECONDS: "300" });

/** The only operations the cookie cache may answer (issue 15, item 4); every other one reads the store. */
const CACHE_READS = new Set(["GET /api/session"]);

/** Whether the operation takes a session at all: openapi.json declares it under `security`. */
const takesSession = (operation: Operation) => (operation.security ?? []).some((requirement) => Object.keys(requirement).length > 0);
/** Whether it also serves callers without one (an empty requirement, `{}`, among its `security`). */
const servesAnonymous = (operation: Operation) => (operation.security ?? []).some((requirement) => Object.keys(requirement).length === 0);

const sessionOperations = documented.filter(({ operation }) => takesSession(operation));
const replayed = sessionOperations.filter(({ method, path }) => !CACHE_READS.has(`${method} ${path}`));
const cacheReads = sessionOperations.filter(({ method, path }) => CACHE_READS.has(`${method} ${path}`));
const publicOperations = documented.filter(({ operation }) => !takesSession(operation));

/** A session whose `sid` + `sid.cache` pair was copied while it was live, then ended one way or another. */
interface Victim {
  username: string;
  id: string;
  handle: string;
  pair: ReadonlyMap<string, string>;
}

/** How a session ends, given its browser and its user's name. */
type Ending = (browser: TestBrowser, username: string) => Promise<void>;

/** Logs a new user in, copies its pair as a thief would, and ends the session with `end`. */
async function victimOf(end: Ending): Promise<Victim> {
  const browser = new TestBrowser();
  const { username, id } = await registerUser(browser);
  const pair = new Map([...browser.cookies].filter(([name]) => name === "sid" || name === "sid.cache"));
  expect([...pair.keys()].sort()).toEqual(["sid", "sid.cache"]);
  const handle = handleOf(browser);
  await end(browser, username);
  return { username, id, handle, pair };
}

/** A new browser holding nothing but the victim's copied pair. */
function thiefOf(victim: Victim): TestBrowser {
  const thief = new TestBrowser();
  for (const [name, value] of victim.pair) thief.cookies.set(name, value);
  return thief;
}

/** Replays the pair at one operation, called as a careful client would call it (parameters filled, a body where one is required). */
function replay(victim: Victim, path: string, method: string, operation: Operation): Promise<Response> {
  const call = plausibleCall(path, method, operation);
  return callPath(call.path, thiefOf(victim), call);
}

/** Asserts the answer tells the thief nothing about the user whose session ended. */
async function expectNothingAbout(victim: Victim, response: Response): Promise<void> {
  const text = await response.clone().text();
  expect(text).not.toContain(victim.username);
  expect(text).not.toContain(victim.id);
  expect(text).not.toContain(victim.handle);
  expectNoLeaks(text);
}

const endings: [string, Ending][] = [
  [
    "a logout",
    async (browser) => {
      expect((await browser.send(logout, "/api/logout", { method: "POST" })).status).toBe(204);
    },
  ],
  [
    "a password change from another device",
    async (_browser, username) => {
      const other = await loggedIn(username);
      const changed = await other.send(password, "/api/password", { method: "POST", body: { currentPassword: PASSWORD, newPassword: `${PASSWORD} 2` } });
      expect(changed.status).toBe(200);
    },
  ],
  [
    "the account's deletion",
    async (browser) => {
      expect((await browser.send(account, "/api/account", { method: "DELETE" })).status).toBe(204);
    },
  ],
];

describe.each(endings)("a copied sid + sid.cache pair replayed after %s, with SESSION_CACHE_SECONDS on", { timeout: 30_000 }, (_ending, end) => {
  let victim: Victim;
  beforeAll(async () => {
    victim = await victimOf(end);
  }, 60_000);

  it.each(replayed)("is refused by $method $path, which reads the store and clears both cookies", async ({ path, method, operation }) => {
    const response = await replay(victim, path, method, operation);
    await expectNothingAbout(victim, response);
    // Whatever the answer, the store has no such session: it clears the copied cookie and its cached
    // copy, so the browser stops presenting them (and the copy stops reading as logged in).
    expect(response.headers.getSetCookie()).toEqual(expect.arrayContaining([expect.stringMatching(/^sid=;.*Max-Age=0/), expect.stringMatching(/^sid\.cache=;.*Max-Age=0/)]));
    if (servesAnonymous(operation) && response.status !== 401) {
      // An operation that also serves callers without a session (log out, count a visit) serves the pair as one.
      expect(response.status).toBeLessThan(300);
      return;
    }
    await expectError(response, 401, "unauthenticated");
  });

  it.each(cacheReads)("may still be answered by $method $path from the cached copy until its window ends (what the README allows)", async ({ path, method, operation }) => {
    const response = await replay(victim, path, method, operation);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ authenticated: true, user: { username: victim.username } });
  });
});

describe("operations that take no session (openapi.json declares no security for them)", { timeout: 30_000 }, () => {
  let victim: Victim;
  beforeAll(async () => {
    victim = await victimOf(async (browser) => {
      expect((await browser.send(logout, "/api/logout", { method: "POST" })).status).toBe(204);
    });
  }, 60_000);

  it.each(publicOperations)("$method $path answers a replayed pair without a word about its user", async ({ path, method, operation }) => {
    const response = await replay(victim, path, method, operation);
    expect(response.status).toBeLessThan(500);
    await expectNothingAbout(victim, response);
  });
});
