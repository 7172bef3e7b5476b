// The WebAuthn fallback the pages load when the browser lacks PublicKeyCredential's JSON helpers
// (parseCreationOptionsFromJSON, parseRequestOptionsFromJSON, toJSON): @simplewebauthn/browser,
// bundled by esbuild into one ES module under public/, which Netlify publishes as it is and
// `netlify dev` serves as it is. It is committed rather than built by `npm run build`, because
// `netlify dev` never runs the build command: plain `npx netlify dev` on a fresh clone, `npm run
// dev` and the browser suites serve it with nothing to generate. test/netlify/vendor.test.ts
// fails when it no longer matches the installed package; `npm run vendor` writes it again.
//
// `node netlify/vendor.ts` writes public/vendor/simplewebauthn-browser.js.
import { build } from "esbuild";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where the pages import the fallback from (public/ is the site's root, so it is /vendor/simplewebauthn-browser.js). */
export const WEBAUTHN_FALLBACK_FILE = join(ROOT, "public", "vendor", "simplewebauthn-browser.js");
const PACKAGE = "@simplewebauthn/browser";

/** The fallback's text as esbuild bundles it from the installed package. */
export async function bundleWebAuthnFallback(): Promise<string> {
  // Its exports map hides package.json from resolution, so read it from where npm put it.
  const manifest = join(ROOT, "node_modules", PACKAGE, "package.json");
  const { version } = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
  // MIT asks for its notice in every copy; minifying drops the package's own comments.
  const license = (await readFile(join(ROOT, "node_modules", PACKAGE, "LICENSE.md"), "utf8")).trim().replaceAll("*/", "* /");
  const result = await build({
    stdin: { contents: `export * from "${PACKAGE}";`, resolveDir: ROOT, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    minify: true,
    // Browsers that have WebAuthn but not its JSON helpers (Chrome before 129, Safari before 18.4) all run ES2020.
    target: "es2020",
    banner: { js: `// ${PACKAGE} ${version}, bundled by netlify/vendor.ts: run \`npm run vendor\` to regenerate it, never edit it.\n/*\n${license}\n*/` },
    legalComments: "none",
    logLevel: "warning",
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error("esbuild produced no file for the WebAuthn fallback.");
  return file.text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(WEBAUTHN_FALLBACK_FILE, await bundleWebAuthnFallback());
  console.log(`galleta: ${PACKAGE} bundled into ${WEBAUTHN_FALLBACK_FILE}`);
}
