// galleta as the benchmark starts it (bench/launch.mjs): the one node:http adapter
// (netlify/function-server.ts) serving the functions `netlify build` shipped, unzipped into
// GALLETA_FUNCTIONS_BUILT, or the sources without it. GALLETA_FUNCTIONS names the functions to load
// (comma-separated; default all). Prints `{"listening":<port>}`.
import { startFunctionServer } from "../netlify/function-server.ts";

/** Starts the adapter on PORT (0: any free port). */
export async function start(): Promise<void> {
  const built = process.env.GALLETA_FUNCTIONS_BUILT;
  const only = process.env.GALLETA_FUNCTIONS?.split(",");
  const server = await startFunctionServer({
    port: Number(process.env.PORT ?? 0),
    ...(built === undefined ? {} : { built }),
    ...(only === undefined ? {} : { only }),
  });
  process.stdout.write(`${JSON.stringify({ listening: Number(new URL(server.url).port) })}\n`);
}
