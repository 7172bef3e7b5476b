import { ObjectId } from "mongodb";

/**
 * The WebAuthn user handle passkeys made before random handles carry: the 12 bytes of the user's
 * ObjectId, base64url. Their authenticators keep sending it, so it stays good for them; new passkeys
 * get the user's random handle instead (`UserStore.passkeyHandleOf`), since an ObjectId carries the
 * account's creation time.
 */
export function legacyUserHandle(userId: string): string {
  return Buffer.from(new ObjectId(userId).id).toString("base64url");
}
