import { defineConfig } from "vitest/config";

// The checks, unit and e2e projects form one group of two workers (vitest's default on 2 cores is
// one). vitest runs a group's projects in the order of their names: the type and import checks
// first, while the e2e project's shared netlify dev starts (test/support/shared-netlify-dev.ts),
// then the suites that start `netlify dev` (and a browser), the longest files first, and the unit
// files fill each worker as they finish, so both cores stay busy to the end.
const HEAVY = ["test/e2e/**/*.test.ts", "test/browser/**/*.test.ts"];
// The log-in timing test compares the CPU time of wrong guesses, which another process's work
// barely moves; it still runs last and alone, so that nothing else runs in its process meanwhile.
const TIMED = ["test/functions/login-timing.test.ts"];
// Soak-sized runs: `npm run test:soak` only, which .ci/run runs after `npm test`.
const SOAK = ["test/soak/**/*.test.ts"];
// `npm test`'s type check and dependency-cruiser, run as suites so that they share the cores.
const CHECKS = ["test/checks/**/*.test.ts"];
// Run by both: 5 s of load in `npm test`, 20 s in the soak.
const LOAD = "test/reliability/load.test.ts";

export default defineConfig({
  test: {
    // A test that fails at random must show up red, never pass on a second try, so no project
    // retries (each says so itself, so that a project's own `retry` cannot creep in unseen;
    // test/vitest-config.test.ts holds every project to it).
    retry: 0,
    // Each suite's own hooks close what they start; this bounds a hung teardown.
    teardownTimeout: 30_000,
    // On CI, a JSON report too: .ci/run prints its counts as a plain "N passed, N failed" line.
    ...(process.env.CI ? { reporters: ["default", "json"], outputFile: { json: "test-output/vitest.json" } } : {}),
    projects: [
      {
        extends: true,
        test: {
          name: "checks",
          retry: 0,
          include: CHECKS,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "unit",
          retry: 0,
          include: ["test/**/*.test.ts"],
          exclude: ["**/node_modules/**", ...HEAVY, ...TIMED, ...SOAK, ...CHECKS],
          maxWorkers: 2,
          // One module graph per worker, not per file. Evaluating the driver, the functions
          // and lib/ afresh for each of some 60 files took about half of this project's CPU time.
          // It is safe because lib/'s module state is what a warm instance keeps and is keyed on
          // what it depends on (getConfig on the environment, services() on the configuration and
          // database, the client on MONGODB_URI), every file that calls the functions restores the
          // environment and closes the client (test/support/function-env.ts), and vitest restores
          // spies and forgets module mocks after each file. A mock reaches only modules loaded after
          // it, so a file that mocks one starts from a fresh graph (test/functions/throttling.test.ts).
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          retry: 0,
          include: HEAVY,
          exclude: ["**/node_modules/**", ...TIMED],
          globalSetup: ["test/support/shared-netlify-dev.ts"],
          testTimeout: 30_000,
          // Starting netlify dev takes 10-20 s on an idle 2-core machine; far more under load.
          hookTimeout: 180_000,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "timed",
          retry: 0,
          include: TIMED,
          testTimeout: 30_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "soak",
          retry: 0,
          include: [...SOAK, LOAD],
          env: { LOAD_SECONDS: "20" },
          testTimeout: 30_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
