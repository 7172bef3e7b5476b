import { GalletaError } from "../http/errors.ts";
import type { Services } from "../services.ts";
import type { PublicUser } from "./users.ts";
import { requireObject, requireString } from "../http/validation.ts";

/** Username and password from a JSON body; 400 `invalid_input` if either is missing. */
export function readCredentials(body: unknown): { username: string; password: string } {
  const fields = requireObject(body);
  return { username: requireString(fields, "username"), password: requireString(fields, "password") };
}

/**
 * Checks a username and password under the login throttle: 429 when the username or client has
 * failed too often, 401 `invalid_credentials` for a wrong username or password alike.
 */
export async function logIn(app: Services, rawUsername: string, password: string, client: string, now: Date): Promise<PublicUser> {
  const username = rawUsername.trim().toLowerCase().slice(0, 64);
  const attempt = await app.throttle.begin(username, client, now);
  const user = await app.users.authenticate(username, password);
  if (user === null) throw new GalletaError("invalid_credentials", "The username or password is wrong.");
  await app.throttle.succeeded(username, client, attempt);
  return user;
}
