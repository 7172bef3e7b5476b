import { afterAll, beforeAll } from "vitest";
import { CONFIG_ENV } from "../../lib/runtime/config.ts";
import { closeDatabase } from "../../lib/runtime/mongo.ts";
import { startTestMongo, type TestMongo } from "./mongo.ts";
import { LOW_PASSWORD_COST } from "./password-cost.ts";

/**
 * Points the functions (which read `process.env`) at a fresh test database for one test file, with
 * `env` on top of a clean slate of galleta's variables, and restores everything afterwards. Call it
 * at the top of the file; `mongo` is there once `beforeAll` has run. Passwords hash at the tests'
 * low cost unless `env` has REAL_PASSWORD_COST.
 */
export function useFunctionEnv(env: Record<string, string>, start: () => Promise<TestMongo> = startTestMongo): { readonly mongo: TestMongo } {
  let mongo: TestMongo | undefined;
  const saved = new Map<string, string | undefined>();
  beforeAll(async () => {
    mongo = await start();
    for (const name of CONFIG_ENV) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
    Object.assign(process.env, { MONGODB_URI: mongo.uri, MONGODB_DB: mongo.dbName, ...LOW_PASSWORD_COST, ...env });
  });
  afterAll(async () => {
    await closeDatabase();
    await mongo?.stop();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  return {
    get mongo() {
      if (mongo === undefined) throw new Error("useFunctionEnv(): the test database starts in beforeAll");
      return mongo;
    },
  };
}
