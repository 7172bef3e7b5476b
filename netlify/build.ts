// The production build of the functions (netlify.toml's `[build] command`, and `npm run dev`):
// esbuild turns each functions/<name>.ts into one minified ES module,
// dist/functions/<name>/<name>.bundle.mjs, with its source map beside it, and Netlify ships those
// files as they are (`node_bundler = "none"`). For a v2 function zip-it-and-ship-it would otherwise force its nft bundler, which
// ships the function unminified and every npm package as traced files (issue 11).
//
// Netlify's entry for each function is dist/functions/<name>/<name>.mjs, a few lines written here
// (a folder per function, so that Netlify takes only the entry for a function): it
// turns source maps on, then imports the bundle. Node reads a module's source map when it compiles
// the module, and only if source maps are already on; Netlify sets no `--enable-source-maps`, and
// every module of a static import graph is compiled before any of it runs, so the switch must run
// in a module of its own before a dynamic import of the bundle. With it, an error logged in
// production points at the TypeScript line.
//
// `node netlify/build.ts` builds once; `node netlify/build.ts --watch` rebuilds on every change.
import { build, context, type BuildOptions, type Plugin } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { functionNames } from "./function-names.ts";
import { trimSourceMap, type SourceMap } from "./trim-source-map.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the build goes: netlify.toml's `[functions] directory`. Git-ignored. */
export const FUNCTIONS_OUT = join(ROOT, "dist", "functions");
/** The functions' sources: every `functions/*.ts` is one function. */
export const FUNCTIONS_SRC = join(ROOT, "functions");

/**
 * `createRequire` lets the CommonJS packages esbuild inlines (the driver and bson) `require`
 * Node's built-ins from an ES module, as zip-it-and-ship-it's own shim does.
 */
const BANNER = 'import{createRequire as __galletaCreateRequire}from"node:module";const require=__galletaCreateRequire(import.meta.url);';

/**
 * A function's in-source `config`, as written: zip-it-and-ship-it reads the routes statically from
 * an object literal in the entry, so the entry repeats it (functions write it on one line).
 */
const CONFIG = /^export const config(?:: Config)? = (\{.*\});$/m;

/** Marks a resolution the plugin below made itself, so it does not see it again. */
const RESOLVED_HERE = Symbol("galleta-webauthn");

/**
 * @simplewebauthn/server's index re-exports everything (every attestation format, the metadata
 * service, X.509 and ASN.1 parsing) and its package.json does not declare `sideEffects`, so esbuild
 * kept every module the index reaches in every function that imports one function from it (109 KB
 * zipped, which took the passkey functions past their budget). Its modules have no side effect that
 * another module relies on (the one top-level call, SettingsService's root certificates, sits in the
 * module that exports SettingsService), so they are marked free of them: each function keeps what it
 * uses, and only the registration, which verifies attestation statements, carries X.509.
 */
const webauthnTreeShaking: Plugin = {
  name: "galleta-webauthn-tree-shaking",
  setup(builder) {
    const inside = (path: string, importer: string) => path.startsWith("@simplewebauthn/server") || (path.startsWith(".") && importer.includes("/@simplewebauthn/server/"));
    builder.onResolve({ filter: /^(@simplewebauthn\/server|\.)/ }, async (args) => {
      if (args.pluginData === RESOLVED_HERE || !inside(args.path, args.importer)) return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: RESOLVED_HERE });
      return { ...resolved, sideEffects: false };
    });
  },
};

/** The esbuild options for the functions' bundles. */
export async function buildOptions(outdir = FUNCTIONS_OUT, sources = FUNCTIONS_SRC): Promise<BuildOptions> {
  return {
    entryPoints: (await functionNames(sources)).map((name) => ({ in: join(sources, `${name}.ts`), out: `${name}/${name}.bundle` })),
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    // The oldest Node galleta supports (package.json engines); Netlify runs 22 or later.
    target: "node22",
    sourcemap: "linked",
    // Mappings only: a stack trace needs lines, not the sources (which would double each zip).
    sourcesContent: false,
    banner: { js: BANNER },
    // Node's own URL is the WHATWG URL that the whatwg-url package reimplements (see node-url.ts).
    alias: { "whatwg-url": join(ROOT, "netlify", "node-url.ts") },
    // The driver's optional dependencies (Kerberos, client-side encryption, compression, AWS and
    // GCP auth, SOCKS): galleta configures none of them, and the driver requires each lazily.
    external: ["kerberos", "@mongodb-js/zstd", "@aws-sdk/credential-providers", "gcp-metadata", "snappy", "socks", "aws4", "mongodb-client-encryption"],
    legalComments: "none",
    logLevel: "warning",
    plugins: [webauthnTreeShaking],
  };
}

/** Trims the bundle's source map to galleta's own code, and writes Netlify's entry: source maps on, the bundle, the routes. */
async function finishFunction(name: string, outdir: string, sources: string): Promise<void> {
  const mapFile = join(outdir, name, `${name}.bundle.mjs.map`);
  const map = JSON.parse(await readFile(mapFile, "utf8")) as SourceMap;
  await writeFile(mapFile, JSON.stringify(trimSourceMap(map, (source) => !source.includes("node_modules/"))));

  const source = await readFile(join(sources, `${name}.ts`), "utf8");
  const written = CONFIG.exec(source)?.[1];
  if (written === undefined && /export const config\b/.test(source)) {
    throw new Error(`functions/${name}.ts: write its config on one line, \`export const config: Config = { … };\`, so the build can copy it.`);
  }
  // includedFiles: a `node_bundler = "none"` zip holds only the entry and the files listed here.
  const included = `includedFiles: ${JSON.stringify([`${name}.bundle.mjs`, `${name}.bundle.mjs.map`])}`;
  const config = written === undefined ? `{ ${included} }` : written.replace(/^\{/, `{ ${included},`);
  await writeFile(
    join(outdir, name, `${name}.mjs`),
    [
      `// Generated by netlify/build.ts from functions/${name}.ts.`,
      "process.setSourceMapsEnabled(true);",
      `const { default: handler } = await import("./${name}.bundle.mjs");`,
      "export default handler;",
      `export const config = ${config};`,
      "",
    ].join("\n"),
  );
}

async function finishFunctions(outdir: string, sources: string): Promise<void> {
  await Promise.all((await functionNames(sources)).map((name) => finishFunction(name, outdir, sources)));
}

/** Builds every function once into `outdir` (emptied first, so a deleted function leaves nothing behind). */
export async function buildFunctions(outdir = FUNCTIONS_OUT, sources = FUNCTIONS_SRC): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await build(await buildOptions(outdir, sources));
  await finishFunctions(outdir, sources);
}

/**
 * Builds, then rebuilds on every change to a function or anything it imports, until `dispose()`;
 * `onRebuild` runs once the new bundles and entries are written. A function added meanwhile is
 * built from the next start on.
 */
export async function watchFunctions(
  outdir = FUNCTIONS_OUT,
  onRebuild?: () => void,
  sources = FUNCTIONS_SRC,
): Promise<{ dispose(): Promise<void> }> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  let built: () => void = () => undefined;
  const firstBuild = new Promise<void>((resolve) => (built = resolve));
  const entries: Plugin = {
    name: "galleta-entries",
    setup(builder) {
      builder.onEnd(async (result) => {
        // Errors are printed by esbuild; the last good bundles stay until the next good build.
        if (result.errors.length === 0) {
          await finishFunctions(outdir, sources);
          onRebuild?.();
        }
        built();
      });
    },
  };
  const options = await buildOptions(outdir, sources);
  const ctx = await context({ ...options, plugins: [...(options.plugins ?? []), entries] });
  // watch() starts with a full build; resolve once it is written.
  await ctx.watch();
  await firstBuild;
  return { dispose: () => ctx.dispose() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--watch")) {
    await watchFunctions(FUNCTIONS_OUT, () => console.log(`galleta: functions rebuilt into ${FUNCTIONS_OUT}`));
  } else {
    await buildFunctions();
    console.log(`galleta: functions bundled into ${FUNCTIONS_OUT}`);
  }
}
