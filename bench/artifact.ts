// What Netlify ships: `netlify build --offline` (which runs netlify/build.ts), then every function's
// zip unzipped into a folder of its own, `<dir>/<name>/`, as Lambda unpacks it. The benchmark loads
// the functions from there, through Netlify's entry file or the function's own.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One function's zip. */
export interface ShippedFunction {
  name: string;
  zipBytes: number;
  files: string[];
  /** `<dir>/<name>/<name>.mjs`: the function's own entry (netlify/build.ts's, which imports its bundle). */
  entry: string;
  /** `<dir>/<name>/___netlify-entry-point.mjs`: what Netlify's runtime imports (its bootstrap, then the entry). */
  netlifyEntry: string;
}

/** Builds the site as production does and unzips every function into a fresh temporary folder. */
export async function buildArtifact(root: string): Promise<{ dir: string; functions: ShippedFunction[] }> {
  const zips = join(root, ".netlify", "functions");
  execFileSync(process.execPath, [join(root, "node_modules", "netlify-cli", "bin", "run.js"), "build", "--offline"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const dir = await mkdtemp(join(tmpdir(), "galleta-artifact-"));
  const functions: ShippedFunction[] = [];
  for (const zip of (await readdir(zips)).filter((file) => file.endsWith(".zip")).sort()) {
    const name = zip.slice(0, -".zip".length);
    const into = join(dir, name);
    execFileSync("unzip", ["-q", "-o", join(zips, zip), "-d", into]);
    functions.push({
      name,
      zipBytes: (await stat(join(zips, zip))).size,
      files: execFileSync("unzip", ["-Z1", join(zips, zip)], { encoding: "utf8" }).split("\n").filter(Boolean),
      entry: join(into, `${name}.mjs`),
      netlifyEntry: join(into, "___netlify-entry-point.mjs"),
    });
  }
  return { dir, functions };
}
