// `npm run test:repeat [N] [vitest arguments]`: `npm run test:unit` N times (or TEST_REPEAT, or 10),
// stopping at the first failed run and saying which it was. For a test suspected of failing at random.
import { repeatRequest, repeatUntilFailure, type RepeatRequest } from "./support/repeat.ts";

let request: RepeatRequest | undefined;
try {
  request = repeatRequest(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`test:repeat: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
if (request !== undefined) {
  const outcome = await repeatUntilFailure("npm", ["run", "test:unit", "--", ...request.vitestArgs], request.times);
  process.exitCode = outcome.failedRun === undefined ? 0 : outcome.exitCode;
}
