import { afterEach, describe, expect, it } from "vitest";
import health from "../../functions/health.ts";
import { useApi } from "./harness.ts";

// useApi clears NETLIFY_DEV, NODE_ENV and CONTEXT: the environment of a deployed function.
useApi();

afterEach(() => {
  delete process.env.NETLIFY_DEV;
});

async function check(context: { deploy?: { context: string } } = {}): Promise<unknown> {
  const response = await health(new Request("http://localhost:8888/api/health"), { ip: "127.0.0.1", params: {}, ...context });
  expect(response.status).toBe(200);
  return response.json();
}

describe("GET /api/health", () => {
  it.each([
    ["production", { deploy: { context: "production" } }, "production"],
    ["deploy-preview", { deploy: { context: "deploy-preview" } }, "deploy-preview"],
    ["no deploy (outside Netlify)", {}, null],
    ["an empty one", { deploy: { context: "" } }, null],
  ])("says a deployed instance runs in production mode, with Netlify's deploy context (%s)", async (_case, context, deployContext) => {
    expect(await check(context)).toMatchObject({ ok: true, store: "mongodb", mode: "production", deployContext });
  });

  it("publishes no timing a caller could calibrate other answers' times against: exactly ok, store, mode and deployContext", async () => {
    expect(Object.keys((await check()) as object).sort()).toEqual(["deployContext", "mode", "ok", "store"]);
  });

  it("says development under netlify dev (NETLIFY_DEV=true)", async () => {
    process.env.NETLIFY_DEV = "true";
    expect(await check({ deploy: { context: "" } })).toMatchObject({ ok: true, mode: "development", deployContext: null });
  });
});
