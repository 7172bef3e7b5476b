import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { passkeyView, removePasskey, renamePasskey, requireCookieUser } from "../lib/accounts/passkeys/management.ts";
import { requirePasskeyName } from "../lib/accounts/passkeys/passkey-input.ts";
import { json, methods, noContent, readJson } from "../lib/http/http.ts";
import { requireObject } from "../lib/http/validation.ts";
import { services } from "../lib/services.ts";

/** One of the user's passkeys by credential id: PATCH `{ name }` renames it, DELETE removes it (needs a recent log-in). Cookie sessions only. */
export default methods({
  PATCH: async (request, context) => {
    const app = services();
    const name = requirePasskeyName(requireObject(await readJson(request)));
    const current = await requireCookieUser(request, app);
    const passkey = await renamePasskey(app, current, context.params.id ?? "", name, deviceOf(request, context.ip));
    return json({ passkey: passkeyView(passkey) }, 200, current.jar);
  },
  DELETE: async (request, context) => {
    const app = services();
    const current = await requireCookieUser(request, app);
    await removePasskey(app, current, context.params.id ?? "", deviceOf(request, context.ip));
    return noContent(current.jar);
  },
});

// The two ceremonies' own paths are one segment long too: they are other functions' (Netlify prefers
// exact paths, and `netlify dev` takes the first function that matches, so they are excluded here).
export const config: Config = { path: "/api/passkeys/:id", excludedPath: ["/api/passkeys/registration", "/api/passkeys/authentication"] };
