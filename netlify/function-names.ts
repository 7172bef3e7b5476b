import { readdir } from "node:fs/promises";

/**
 * The functions' names: every `<sources>/*.ts`, each the name Netlify gives its function. Its own
 * module so that the node:http adapter can use it without loading the build (and esbuild).
 */
export async function functionNames(sources: string): Promise<string[]> {
  const files = await readdir(sources);
  return files.filter((file) => /^[^.].*\.ts$/.test(file)).map((file) => file.slice(0, -".ts".length));
}
