import { rename, writeFile } from "node:fs/promises";

/**
 * Replaces the file at `path` with `text` in one step, as an editor's save does: written beside it,
 * then renamed over it. A plain writeFile truncates first, and a watcher polling meanwhile (esbuild's)
 * builds the empty file, which is not the change a test means to make.
 */
export async function replaceFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
