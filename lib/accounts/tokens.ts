import { SignJWT, jwtVerify } from "jose";
import { GalletaError } from "../http/errors.ts";
import { deriveKey } from "../cookies/keys.ts";

/** Who a token speaks for: the user, and the server-side session it is bound to. */
export interface TokenClaims {
  userId: string;
  /** The session's public handle (its key); revoking that session revokes the token. */
  sessionKey: string;
}

const ISSUER = "galleta";
const AUDIENCE = "galleta-api";
/** Access tokens live 15 minutes. */
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** Signs an access token with the current secret. */
export async function issueToken(claims: TokenClaims, secrets: readonly string[], now: Date): Promise<{ token: string; expiresAt: Date }> {
  const [current] = secrets;
  if (current === undefined) throw new TypeError("at least one secret is required to sign a token");
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + TOKEN_LIFETIME_MS / 1000) * 1000);
  const token = await new SignJWT({ sid: claims.sessionKey })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await deriveKey(current, "tokens"));
  return { token, expiresAt };
}

/** The 401 for a bad bearer token, with the RFC 6750 challenge. */
export function invalidToken(message = "The access token is invalid, expired or revoked."): GalletaError {
  return new GalletaError("invalid_token", message, { headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
}

/** Verifies a token against every secret (rotation); throws 401 `invalid_token` if none verifies it. */
export async function verifyToken(token: string, secrets: readonly string[], now: Date): Promise<TokenClaims> {
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, await deriveKey(secret, "tokens"), {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: now,
        requiredClaims: ["sub", "sid", "exp", "iat"],
      });
      if (typeof payload.sub === "string" && typeof payload.sid === "string") {
        return { userId: payload.sub, sessionKey: payload.sid };
      }
    } catch {
      // Not this secret, or not a valid token at all: try the next secret, then refuse.
    }
  }
  throw invalidToken();
}
