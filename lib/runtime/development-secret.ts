import { createHash, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";

/**
 * The session secret development uses when SESSION_SECRETS is not set: random, made once and kept
 * outside the project, in `~/.cache/galleta/<project>/galleta-development-secret` (one per project
 * folder), as Rails keeps its local secret. Outside the project on purpose: netlify dev's bundler
 * (nft) traces paths under the project as assets, and a secret beside the functions would ship. A secret
 * held in memory would not do under `netlify dev`, which imports the function afresh in a new
 * worker thread for every request: each would sign with its own, and no signed cookie would survive
 * to the next request. `made` says whether this call made it; undefined when the file cannot be
 * written (the caller then keeps one in memory).
 */
export function developmentSecret(directory = defaultDirectory()): { secret: string; made: boolean } | undefined {
  const file = join(directory, "galleta-development-secret");
  try {
    return { secret: readFileSync(file, "utf8"), made: false };
  } catch {
    // Not made yet: make it below.
  }
  const draft = `${file}.${process.pid}-${threadId}`;
  let written = false;
  try {
    mkdirSync(directory, { recursive: true });
    writeFileSync(draft, randomBytes(32).toString("base64url"), { mode: 0o600 });
    written = true;
    let made = true;
    try {
      // A link appears whole or not at all, and fails if another thread's came first: every thread reads the same secret.
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      made = false;
    }
    return { secret: readFileSync(file, "utf8"), made };
  } catch {
    return undefined;
  } finally {
    if (written) rmSync(draft, { force: true });
  }
}

function defaultDirectory(): string {
  const project = createHash("sha256").update(process.cwd()).digest("hex").slice(0, 16);
  return join(homedir(), ".cache", "galleta", project);
}
