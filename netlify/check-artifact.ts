// What CI checks after `netlify build --offline` (.ci/run): every function zip holds netlify/build.ts's
// entry, bundle and source map and Netlify's own files, nothing else (no file from netlify/, test/
// or node_modules/); functions without the database carry no driver; every function but not-found
// has its routes in the manifest; and each zip is within its size budget (issue 11). Prints one line
// per zip and exits 1 with the reasons if any check fails.
//
// `node netlify/check-artifact.ts [.netlify/functions]`
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Functions that never touch the database, so never load the driver; their budget is smaller. */
export const WITHOUT_DATABASE: ReadonlySet<string> = new Set(["cookies", "cookie-delete", "not-found"]);
/**
 * Functions that verify WebAuthn attestation statements (adding a passkey): @simplewebauthn/server's
 * X.509 and ASN.1 parsing, about 130 KB zipped, on top of the driver. The other passkey functions
 * need none of it (netlify/build.ts lets esbuild leave it out) and stay within the database budget.
 */
export const WITH_ATTESTATION: ReadonlySet<string> = new Set(["passkey-registration"]);
/** Zip budgets in bytes: a database function carries the driver, one that verifies attestations the X.509 stack too. */
export const BUDGET = Object.freeze({ database: 650 * 1024, withoutDatabase: 400 * 1024, attestation: 720 * 1024 });

/** A function's zip budget, by what it carries. */
export function budgetOf(name: string): number {
  if (WITHOUT_DATABASE.has(name)) return BUDGET.withoutDatabase;
  return WITH_ATTESTATION.has(name) ? BUDGET.attestation : BUDGET.database;
}
/** What Netlify adds to every zip, whatever we ship. */
const NETLIFY_FILES = ["___netlify-bootstrap.mjs", "___netlify-entry-point.mjs", "___netlify-metadata.json", "___netlify-telemetry.mjs"];

/** One zip as the check sees it. */
export interface ShippedZip {
  name: string;
  bytes: number;
  files: readonly string[];
  /** The text of the function's bundle. */
  bundle: string;
  /** Its routes from the build manifest (none: not routed by path). */
  routes: readonly string[];
}

/** The problems with one zip; empty when it is as netlify/build.ts means it. */
export function problems(zip: ShippedZip): string[] {
  const found: string[] = [];
  const expected = [`${zip.name}.mjs`, `${zip.name}.bundle.mjs`, `${zip.name}.bundle.mjs.map`, ...NETLIFY_FILES].sort();
  const files = [...zip.files].sort();
  if (files.join("\n") !== expected.join("\n")) found.push(`holds ${files.join(", ")}; expected ${expected.join(", ")}`);
  const strays = files.filter((file) => /^(netlify|test|node_modules)\//.test(file));
  if (strays.length > 0) found.push(`ships files from netlify/, test/ or node_modules/: ${strays.join(", ")}`);
  if (/mongo-standin|test\/support/.test(zip.bundle)) found.push("bundles code from netlify/mongo-standin or test/support");
  const database = !WITHOUT_DATABASE.has(zip.name);
  // The driver's own error class names: present in any bundle that carries it.
  if (!database && /MongoServerSelectionError|MongoNetworkError/.test(zip.bundle)) found.push("loads the MongoDB driver, though it never uses the database");
  if (zip.name !== "not-found" && zip.routes.length === 0) found.push("has no route in the manifest (its config.path was not read)");
  const budget = budgetOf(zip.name);
  if (zip.bytes > budget) found.push(`is ${kb(zip.bytes)}, over its budget of ${kb(budget)}`);
  return found;
}

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/** Reads every zip in the folder `netlify build` wrote, with the routes of its manifest. */
export function readZips(dir: string): ShippedZip[] {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { functions: { name: string; routes?: { pattern: string }[] }[] };
  return readdirSync(dir)
    .filter((file) => file.endsWith(".zip"))
    .sort()
    .map((file) => {
      const path = join(dir, file);
      const name = file.slice(0, -".zip".length);
      const files = execFileSync("unzip", ["-Z1", path], { encoding: "utf8" }).split("\n").filter(Boolean);
      const bundle = files.includes(`${name}.bundle.mjs`) ? execFileSync("unzip", ["-p", path, `${name}.bundle.mjs`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }) : "";
      const routes = manifest.functions.find((entry) => entry.name === name)?.routes?.map((route) => route.pattern) ?? [];
      return { name, bytes: statSync(path).size, files, bundle, routes };
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const zips = readZips(process.argv[2] ?? ".netlify/functions");
  let failed = zips.length === 0;
  if (failed) console.log("netlify build produced no function zips");
  console.log(`${"zip".padEnd(22)} ${"size".padStart(8)} ${"budget".padStart(8)}  routes`);
  for (const zip of zips) {
    const budget = budgetOf(zip.name);
    console.log(`${`${zip.name}.zip`.padEnd(22)} ${kb(zip.bytes).padStart(8)} ${kb(budget).padStart(8)}  ${zip.routes.join(" ") || "(none)"}`);
    for (const problem of problems(zip)) {
      failed = true;
      console.log(`  ✗ ${zip.name}.zip ${problem}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
