import { beforeAll, describe, expect, it } from "vitest";
import login from "../../functions/login.ts";
import logout from "../../functions/logout.ts";
import session from "../../functions/session.ts";
import visits from "../../functions/visits.ts";
import { TestBrowser } from "../support/requests.ts";
import { handleOf, PASSWORD, registerUser, setCookieFor, useApi } from "./harness.ts";

const api = useApi();
let username: string;

beforeAll(async () => {
  ({ username } = await registerUser(new TestBrowser()));
});

async function loggedInBrowser(): Promise<TestBrowser> {
  const browser = new TestBrowser();
  expect((await browser.send(login, "/api/login", { method: "POST", body: { username, password: PASSWORD } })).status).toBe(200);
  return browser;
}

describe("POST /api/logout", { timeout: 20_000 }, () => {
  it("answers 204, deletes the session server-side and clears the cookie", async () => {
    const browser = await loggedInBrowser();
    const handle = handleOf(browser);
    const response = await browser.send(logout, "/api/logout", { method: "POST" });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(setCookieFor(response, "sid")).toMatch(/^sid=; .*Max-Age=0/);
    expect(setCookieFor(response, "sid")).toMatch(/Path=\//);
    expect(await api.mongo.db.collection<{ _id: string }>("sessions").countDocuments({ _id: handle })).toBe(0);
    expect(browser.cookies.has("sid")).toBe(false);
  });

  it("leaves a replayed copy of the old cookie unauthenticated", async () => {
    const browser = await loggedInBrowser();
    const copy = new TestBrowser();
    copy.cookies.set("sid", browser.cookies.get("sid") as string);
    await browser.send(logout, "/api/logout", { method: "POST" });
    const replay = await copy.send(session, "/api/session");
    expect(await replay.json()).toMatchObject({ authenticated: false });
    expect((await copy.send(logout, "/api/logout", { method: "POST" })).status).toBe(204);
  });

  it("ends only this session, not the user's sessions elsewhere", async () => {
    const [here, elsewhere] = [await loggedInBrowser(), await loggedInBrowser()];
    await here.send(logout, "/api/logout", { method: "POST" });
    expect(await (await elsewhere.send(session, "/api/session")).json()).toMatchObject({ authenticated: true });
  });

  it("leaves the browser signed out with no visits, which is all a page needs to know: GET /api/session answers { authenticated: false, visits: 0 }", async () => {
    const browser = await loggedInBrowser();
    await browser.send(visits, "/api/visits", { method: "POST" });
    await browser.send(logout, "/api/logout", { method: "POST" });
    expect(await (await browser.send(session, "/api/session")).json()).toEqual({ authenticated: false, visits: 0 });
    expect(await (await browser.send(visits, "/api/visits", { method: "POST" })).json()).toEqual({ authenticated: false, visits: 1, firstVisit: true });
  });

  it("answers 204 to a browser without a session", async () => {
    const response = await new TestBrowser().send(logout, "/api/logout", { method: "POST" });
    expect(response.status).toBe(204);
  });
});
