import type { Config } from "@netlify/functions";
import { requireUser } from "../lib/accounts/auth.ts";
import { GalletaError } from "../lib/http/errors.ts";
import { methods, noContent } from "../lib/http/http.ts";
import { isSessionKey } from "../lib/sessions/session-id.ts";
import { services } from "../lib/services.ts";

/** Revokes one of the user's sessions by its public handle: 204, or 404 if no such session is theirs. */
export default methods({
  DELETE: async (request, context) => {
    const app = services();
    const { jar, session } = await requireUser(request, app);
    const handle = context.params.id ?? "";
    if (handle === session.key) {
      await app.sessions.destroy(jar, session);
      return noContent(jar);
    }
    const revoked = isSessionKey(handle) && (await app.sessions.destroyForUser(session.userId, handle));
    if (!revoked) throw new GalletaError("not_found", "You have no active session with that id.");
    return noContent(jar);
  },
});

export const config: Config = { path: "/api/sessions/:id" };
