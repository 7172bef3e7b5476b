// The layering the README states, as dependency-cruiser rules (`npm run check:imports`, which
// `npm test` runs in test/checks/imports.test.ts). Imports run one way:
//
//   functions/ → lib/services.ts (the composition root) → lib/playground/ → lib/accounts/
//              → lib/sessions/ → lib/cookies/, lib/runtime/ → lib/http/
//
// Each rule forbids the arrows that would run back up from one folder; its name is what a
// contributor sees when an import goes the wrong way.

/** Everything in lib/ outside the given folders (the ones a layer may import). */
const libExcept = (...allowed) => `^lib/(?!(${allowed.join("|")})/)`;

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A circle of imports has no bottom layer: move the shared piece down to where both sides can import it.",
      from: {},
      to: { circular: true },
    },
    {
      name: "http-imports-only-http",
      severity: "error",
      comment: "lib/http/ is the ground floor (requests, responses, errors, validation): it imports nothing else of lib/.",
      from: { path: "^lib/http/" },
      to: { path: "^lib/(?!http/)" },
    },
    {
      name: "cookies-import-only-http",
      severity: "error",
      comment: "lib/cookies/ parses, signs and writes cookies; it knows nothing of sessions, accounts or the runtime.",
      from: { path: "^lib/cookies/" },
      to: { path: libExcept("cookies", "http") },
    },
    {
      name: "runtime-imports-only-http",
      severity: "error",
      comment: "lib/runtime/ (configuration, the MongoDB client) sits beside cookies/, above http/ only.",
      from: { path: "^lib/runtime/" },
      to: { path: libExcept("runtime", "http") },
    },
    {
      name: "sessions-import-only-cookies-runtime-http",
      severity: "error",
      comment: "lib/sessions/ is the session layer: it may use cookies/, runtime/ and http/, never accounts/ or above.",
      from: { path: "^lib/sessions/" },
      to: { path: libExcept("sessions", "cookies", "runtime", "http") },
    },
    {
      name: "accounts-import-nothing-above",
      severity: "error",
      comment: "lib/accounts/ may use sessions/ and everything below it, never lib/playground/ or the composition root (lib/services.ts).",
      from: { path: "^lib/accounts/" },
      to: { path: "^lib/(playground/|services\\.ts$)" },
    },
    {
      name: "playground-imports-nothing-above",
      severity: "error",
      comment: "lib/playground/ (the lesson's cookie playground) may use any layer below it, never the composition root.",
      from: { path: "^lib/playground/" },
      to: { path: "^lib/services\\.ts$" },
    },
    {
      name: "lib-never-imports-tooling",
      severity: "error",
      comment: "lib/ ships in every function bundle: nothing in it may come from functions/, netlify/, bench/, test/ or public/.",
      from: { path: "^lib/" },
      to: { path: "^(functions|netlify|bench|test|public)/" },
    },
    {
      name: "functions-only-through-lib",
      severity: "error",
      comment: "A function reaches galleta only through lib/: never another function, the tooling, the tests or the benchmark.",
      from: { path: "^functions/" },
      to: { path: "^(functions|netlify|bench|test|public)/" },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      comment: "An import that resolves to nothing would only fail at run time.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    // Type-only imports count: a layer that names a type from above still depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "node", "default", "types"] },
  },
};
