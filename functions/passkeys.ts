import type { Config } from "@netlify/functions";
import { requireUser } from "../lib/accounts/auth.ts";
import { passkeyView } from "../lib/accounts/passkeys/management.ts";
import { json, methods } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

/** The logged-in user's passkeys, oldest first: 200 `{ passkeys }`. */
export default methods({
  GET: async (request) => {
    const app = services();
    const { jar, session } = await requireUser(request, app, { fresh: true });
    const passkeys = await app.passkeys.listForUser(session.userId);
    return json({ passkeys: passkeys.map(passkeyView) }, 200, jar);
  },
});

export const config: Config = { path: "/api/passkeys" };
