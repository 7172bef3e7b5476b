import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { reauthenticate } from "../lib/accounts/reauthentication.ts";
import { json, methods, readJson } from "../lib/http/http.ts";
import { requireObject, requireString } from "../lib/http/validation.ts";
import { services } from "../lib/services.ts";

/** Proves the password again (throttled like log-in): 200 `{ authenticatedAt }`, which opens the window for sensitive actions. */
export default methods({
  POST: async (request, context) => {
    const app = services();
    const password = requireString(requireObject(await readJson(request)), "password");
    const current = await requireUser(request, app);
    const session = await reauthenticate(app, current, password, context.ip, deviceOf(request, context.ip));
    return json({ authenticatedAt: session.authenticatedAt?.toISOString() ?? null }, 200, current.jar);
  },
});

export const config: Config = { path: "/api/reauthenticate" };
