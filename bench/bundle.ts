// Bundles the peers (and galleta's node:http adapter, for its cold start) the way zip-it-and-ship-it's
// esbuild bundler bundles a function (ESM, platform node, target node24, its CJS shim banner, `node:`
// imports external, AWS SDK v3 ignored), once unminified, as it ships them, and once minified.
// galleta's own functions are not bundled here: bench/artifact.ts takes what `netlify build` ships. Bundles go to a temporary folder outside the
// repository, so at run time a `require` they leave unresolved finds no node_modules, as on Lambda.
import { build, type Plugin } from "esbuild";
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** zip-it-and-ship-it's `CJS_SHIM`: makes `require`, `__filename` and `__dirname` work in an ESM bundle. */
const CJS_SHIM = `
import {createRequire as ___nfyCreateRequire} from "module";
import {fileURLToPath as ___nfyFileURLToPath} from "url";
import {dirname as ___nfyPathDirname} from "path";
let __filename=___nfyFileURLToPath(import.meta.url);
let __dirname=___nfyPathDirname(___nfyFileURLToPath(import.meta.url));
let require=___nfyCreateRequire(import.meta.url);
`;

/** zip-it-and-ship-it's `builtin-modules` plugin. */
const nodeBuiltins: Plugin = {
  name: "builtin-modules",
  setup(builder) {
    builder.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path.slice("node:".length), external: true }));
  },
};

/** Something to bundle: a name, its entry point and the bundle's file name (without `.mjs`). */
export interface Entry {
  name: string;
  entry: string;
  file: string;
  /** Imports left out of the bundle (resolved at run time, if ever). */
  external?: string[];
}

/** One bundle on disk. */
export interface Bundle {
  name: string;
  /** As `netlify build` ships it (not minified). */
  netlify: { file: string; bytes: number };
  minified: { file: string; bytes: number };
}

async function bundleOne(entry: Entry, outdir: string, minify: boolean): Promise<{ file: string; bytes: number }> {
  const file = join(outdir, `${entry.file}.mjs`);
  await build({
    entryPoints: [entry.entry],
    outfile: file,
    bundle: true,
    format: "esm",
    platform: "node",
    target: ["node24"],
    banner: { js: CJS_SHIM },
    external: ["@prisma/client", "@aws-sdk/*", ...(entry.external ?? [])],
    plugins: [nodeBuiltins],
    resolveExtensions: [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".json"],
    minify,
    logLevel: "error",
  });
  return { file, bytes: (await stat(file)).size };
}

/** Bundles every entry both ways into a fresh temporary folder. */
export async function bundleAll(entries: readonly Entry[]): Promise<{ dir: string; bundles: Bundle[] }> {
  const dir = await mkdtemp(join(tmpdir(), "galleta-bench-"));
  const bundles: Bundle[] = [];
  for (const entry of entries) {
    bundles.push({
      name: entry.name,
      netlify: await bundleOne(entry, join(dir, "netlify"), false),
      minified: await bundleOne(entry, join(dir, "minified"), true),
    });
  }
  return { dir, bundles };
}
