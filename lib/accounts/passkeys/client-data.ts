/**
 * The challenge the browser signed, read from clientDataJSON before verification, so that the
 * session's pending challenge can be consumed in the same round trip as the passkey's lookup.
 * clientDataJSON is plain UTF-8 JSON (WebAuthn §5.8.1), not CBOR; the library then verifies all of
 * it, this challenge included. Undefined when it does not decode.
 */
export function signedChallenge(clientDataJSON: string): string | undefined {
  try {
    const { challenge } = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { challenge?: unknown };
    return typeof challenge === "string" && /^[A-Za-z0-9_-]+$/.test(challenge) ? challenge : undefined;
  } catch {
    return undefined;
  }
}
