import { GalletaError } from "../lib/http/errors.ts";
import { errorResponse } from "../lib/http/http.ts";

/**
 * The API's JSON 404 for every method on any /api/* path no other function owns. It has no
 * `config.path` on purpose: netlify.toml rewrites unclaimed /api/* paths here, after Netlify
 * has tried every function path (a catch-all path would race the specific ones in `netlify dev`).
 */
export default async (): Promise<Response> => errorResponse(new GalletaError("not_found", "No API endpoint at this path."));
