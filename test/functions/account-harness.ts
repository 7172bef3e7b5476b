import { expect } from "vitest";
import activity from "../../functions/activity.ts";
import login from "../../functions/login.ts";
import type { TestMongo } from "../support/mongo.ts";
import { TestBrowser } from "../support/requests.ts";
import { handleOf, PASSWORD } from "./harness.ts";

/** A browser logged in as `username` (with `remember` and a user agent and address of its own when given). */
export async function loggedIn(username: string, options: { remember?: boolean; userAgent?: string; ip?: string } = {}): Promise<TestBrowser> {
  const browser = new TestBrowser();
  if (options.userAgent !== undefined) browser.userAgent = options.userAgent;
  const body = { username, password: PASSWORD, ...(options.remember === undefined ? {} : { remember: options.remember }) };
  const response = await browser.send(login, "/api/login", { method: "POST", body, ...(options.ip === undefined ? {} : { ip: options.ip }) });
  expect(response.status).toBe(200);
  return browser;
}

/** Moves the browser's session's last proof of the password `minutes` into the past, as time passing would. */
export async function ageAuthentication(mongo: TestMongo, browser: TestBrowser, minutes: number): Promise<void> {
  const at = new Date(Date.now() - minutes * 60_000);
  const result = await mongo.db.collection<{ _id: string }>("sessions").updateOne({ _id: handleOf(browser) }, { $set: { authenticatedAt: at } });
  expect(result.matchedCount).toBe(1);
}

/** The handles of the user's sessions as stored. */
export async function storedSessions(mongo: TestMongo, userId: string): Promise<string[]> {
  const documents = await mongo.db.collection<{ _id: string; userId: string }>("sessions").find({ userId }).toArray();
  return documents.map((document) => document._id);
}

/** One event as `GET /api/activity` answers it. */
export interface ActivityEventBody {
  type: string;
  at: string;
  userAgent: string | null;
  network: string | null;
  count?: number;
  sessionId?: string;
  bySessionId?: string;
}

/** The browser's user's activity, newest first, as `GET /api/activity` answers it. */
export async function eventsOf(browser: TestBrowser): Promise<ActivityEventBody[]> {
  const response = await browser.send(activity, "/api/activity");
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: ActivityEventBody[] }).events;
}
