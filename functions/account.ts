import type { Config } from "@netlify/functions";
import { deleteAccount } from "../lib/accounts/account-deletion.ts";
import { requireUser } from "../lib/accounts/auth.ts";
import { CLEAR_SITE_DATA } from "../lib/accounts/session-control.ts";
import { methods, noContent } from "../lib/http/http.ts";
import { services } from "../lib/services.ts";

/** Deletes the account and everything kept about it: 204, the cookie cleared. Needs a recent log-in. */
export default methods({
  DELETE: async (request) => {
    const app = services();
    const current = await requireUser(request, app);
    await deleteAccount(app, current);
    return noContent(current.jar, CLEAR_SITE_DATA);
  },
});

export const config: Config = { path: "/api/account" };
