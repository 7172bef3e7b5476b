import type { Config } from "@netlify/functions";
import { deviceOf } from "../lib/accounts/activity.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { CLEAR_SITE_DATA, logOut, revokeSession } from "../lib/accounts/session-control.ts";
import { GalletaError } from "../lib/http/errors.ts";
import { methods, noContent } from "../lib/http/http.ts";
import { isSessionKey } from "../lib/sessions/session-id.ts";
import { services } from "../lib/services.ts";

/**
 * Revokes one of the user's sessions by its public handle: 204, or 404 if no such session is theirs.
 * Another session needs a recent log-in; the current one is a log-out, and answers as one.
 */
export default methods({
  DELETE: async (request, context) => {
    const app = services();
    const current = await requireUser(request, app);
    const handle = context.params.id ?? "";
    const device = deviceOf(request, context.ip);
    if (handle === current.session.key) {
      await logOut(app, current.jar, current.session, device);
      return noContent(current.jar, CLEAR_SITE_DATA);
    }
    const revoked = isSessionKey(handle) && (await revokeSession(app, current, handle, device));
    if (!revoked) throw new GalletaError("not_found", "You have no active session with that id.");
    return noContent(current.jar);
  },
});

export const config: Config = { path: "/api/sessions/:id" };
