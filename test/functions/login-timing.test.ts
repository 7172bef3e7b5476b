// A wrong password must cost as much whether the username exists with today's hash, does not exist
// (the decoy), or exists with a hash from before N = 2^17, which verifies about four times faster:
// otherwise one guess per name tells which accounts exist. This suite runs at the real cost: its
// subject is the hash's work.
//
// It compares CPU time, not wall time. An answer's time is its CPU work plus its waits on the
// database; the waits are proved alike by the activity suite (the same database commands before
// the answer, for an account and a made-up name), and this suite proves the work alike. Wall time
// on a shared 2-core machine measures the neighbours: at load 20 one guess took 1.0 to 3.2 s while
// its CPU time stayed within 320-410 ms.
import { ObjectId } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import { legacyHash } from "../support/legacy-hash.ts";
import { REAL_PASSWORD_COST } from "../support/password-cost.ts";
import { TestBrowser } from "../support/requests.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { registerUser, SECRET, uniqueName } from "./harness.ts";

// Limits far above the attempts made here: this suite times password checks, not the throttle.
const api = useFunctionEnv({
  SESSION_SECRETS: SECRET,
  ...REAL_PASSWORD_COST,
  LOGIN_LIMIT_PER_PAIR: "1000",
  LOGIN_LIMIT_PER_NETWORK: "1000",
  LOGIN_LIMIT_PER_USERNAME: "1000",
});

/** Rounds of one wrong guess per kind of username, in a shuffled order each round, so that the machine's drift falls on every kind alike. */
const ROUNDS = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * How much slower kind `a` is than kind `b`: the median over rounds of a's time over b's in the same
 * round. The machine's speed drifts from one minute to the next, which would move whole medians
 * apart if it changed mid-run; within a round of three guesses it is the same for every kind, so it
 * cancels.
 */
function slowdown(a: number[], b: number[]): number {
  return median(a.map((time, round) => time / (b[round] ?? Number.NaN)));
}

/**
 * The CPU time of the process (every thread: scrypt runs in libuv's pool) until the answer; work
 * the function leaves for after it (Netlify's waitUntil) settles after the clock stops.
 */
async function wrongGuessCpuMs(username: string): Promise<number> {
  const browser = new TestBrowser();
  const request = browser.request("/api/login", { method: "POST", body: { username, password: "not the password" } });
  const after: Promise<unknown>[] = [];
  const started = process.cpuUsage();
  const response = await login(request, { ip: browser.ip, params: {}, waitUntil: (promise) => after.push(promise) });
  const used = process.cpuUsage(started);
  await Promise.all(after);
  expect(response.status).toBe(401);
  return (used.user + used.system) / 1000;
}

describe("a wrong password's time", () => {
  const usernames: Record<string, string> = {};

  beforeAll(async () => {
    usernames["today's hash (N = 2^17)"] = (await registerUser(new TestBrowser())).username;
    usernames["no such user (the decoy)"] = uniqueName("ghost");
    const legacy = uniqueName("legacy");
    await api.mongo.db.collection("users").insertOne({ _id: new ObjectId(), username: legacy, passwordHash: legacyHash("an old password"), createdAt: new Date() });
    usernames["an older hash (N = 2^15)"] = legacy;
  }, 120_000);

  it("does not tell whether the username exists, does not exist or has an older hash: within 20% of each other, round by round", { timeout: 300_000 }, async () => {
    const kinds = Object.keys(usernames);
    // One untimed guess each first: the decoy is made on first use, and the first queries warm up.
    for (const kind of kinds) await wrongGuessCpuMs(usernames[kind] ?? "");
    const times = new Map<string, number[]>(kinds.map((kind) => [kind, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = [...kinds].sort(() => Math.random() - 0.5);
      for (const kind of order) times.get(kind)?.push(await wrongGuessCpuMs(usernames[kind] ?? ""));
    }
    const medians = Object.fromEntries(kinds.map((kind) => [kind, Math.round(median(times.get(kind) ?? []))]));
    const slowdowns = kinds.flatMap((a) => kinds.filter((b) => b !== a).map((b) => ({ a, b, by: slowdown(times.get(a) ?? [], times.get(b) ?? []) })));
    const worst = slowdowns.reduce((most, pair) => (pair.by > most.by ? pair : most));
    const report = `median CPU-ms per guess: ${JSON.stringify(medians)}; most apart within a round: ${worst.a} over ${worst.b}, ${worst.by.toFixed(2)}×`;
    console.log(`login timing: ${report}`);
    expect(worst.by, report).toBeLessThanOrEqual(1.2);
  });
});
