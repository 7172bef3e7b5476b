import { ObjectId } from "mongodb";

/** The WebAuthn user handle of a galleta user: the 12 bytes of their id, which names no one outside galleta (WebAuthn §14.6.1). */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new ObjectId(userId).id);
}

/** The same handle as the browser sends it back (base64url). */
export function encodedUserHandleOf(userId: string): string {
  return Buffer.from(userHandleOf(userId)).toString("base64url");
}
