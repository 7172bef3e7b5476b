import { afterEach, describe, expect, it, vi } from "vitest";
import health from "../../functions/health.ts";
import login from "../../functions/login.ts";
import register from "../../functions/register.ts";
import { TestBrowser } from "../support/requests.ts";
import { useFunctionEnv } from "../support/function-env.ts";
import { expectError, PASSWORD, SECRET, uniqueName } from "./harness.ts";

// A deployed function's environment as Lambda shapes it, with the NODE_ENV a site set for its
// builds (Netlify passes site variables to functions): issue 15, item 6.
const api = useFunctionEnv({ SESSION_SECRETS: SECRET, AWS_LAMBDA_FUNCTION_NAME: "galleta-login", NODE_ENV: "development" });

afterEach(() => {
  process.env.SESSION_SECRETS = SECRET;
  vi.restoreAllMocks();
});

describe("a deployed function whose site sets NODE_ENV=development", () => {
  it("says production in /api/health", async () => {
    const response = await health(new Request("http://localhost:8888/api/health"), { ip: "127.0.0.1", params: {}, deploy: { context: "production" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, mode: "production", deployContext: "production" });
  });

  it("refuses a 10-character secret: 500 server_misconfigured from register, log-in and health, no database command, and the log says what to set", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    process.env.SESSION_SECRETS = "0123456789";
    const commandsBefore = api.mongo.standin?.totalCommands();
    const body = { username: uniqueName(), password: PASSWORD };
    await expectError(await new TestBrowser().send(register, "/api/register", { method: "POST", body }), 500, "server_misconfigured");
    await expectError(await new TestBrowser().send(login, "/api/login", { method: "POST", body }), 500, "server_misconfigured");
    await expectError(await health(new Request("http://localhost:8888/api/health"), { ip: "127.0.0.1", params: {} }), 500, "server_misconfigured");
    if (commandsBefore !== undefined) expect(api.mongo.standin?.totalCommands()).toBe(commandsBefore);
    const log = logged.mock.calls.map((call) => call.map(String).join(" ")).join("\n");
    expect(log).toMatch(/at least 32 characters/);
    expect(log).toMatch(/strict whatever NODE_ENV says/);
  });
});
