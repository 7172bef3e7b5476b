import { randomBytes } from "node:crypto";
import type { Collection, Db } from "mongodb";
import { indexesOnce, storeCall } from "../../runtime/mongo.ts";

/** The two WebAuthn ceremonies a challenge can be for. */
export type Ceremony = "registration" | "authentication";

/** A challenge lives 5 minutes (the WebAuthn `timeout` says the same to the browser). */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** A challenge as it was issued: who asked for it, for a registration the user it is for. */
export interface IssuedChallenge {
  challenge: string;
  userId: string | null;
  /** A registration's: the user handle its options gave the authenticator, which the passkey keeps. */
  userHandle?: string;
}

interface ChallengeDocument {
  /** `<session key>:<ceremony>`: one pending challenge per session and ceremony, so asking again replaces it. */
  _id: string;
  /** base64url, as the browser echoes it in clientDataJSON. */
  challenge: string;
  userId: string | null;
  userHandle?: string;
  /** The TTL index deletes the document within a minute or so of this; every read filters on it too. */
  expiresAt: Date;
}

/** 32 random bytes, and the base64url text the browser will echo back. */
export function newChallenge(): { bytes: Uint8Array<ArrayBuffer>; text: string } {
  const bytes = randomBytes(32);
  return { bytes: new Uint8Array(bytes), text: bytes.toString("base64url") };
}

/**
 * Pending WebAuthn challenges in `passkey_challenges`, kept server-side and bound to the session that
 * asked for them: a document per (session, ceremony), replaced by the next request, consumed by the
 * first answer (`findOneAndDelete`, so a replay finds nothing), and gone by TTL within minutes. A
 * caller requesting options in a loop on one session keeps rewriting one document.
 */
export class ChallengeStore {
  readonly #challenges: Collection<ChallengeDocument>;
  readonly #ensureIndexes: () => Promise<void>;

  constructor(db: Db) {
    this.#challenges = db.collection<ChallengeDocument>("passkey_challenges");
    this.#ensureIndexes = indexesOnce(this.#challenges, [{ name: "expiresAt_ttl", key: { expiresAt: 1 }, expireAfterSeconds: 0 }]);
  }

  /** Stores `challenge` as the session's pending one for `ceremony`, replacing any earlier one. */
  async issue(sessionKey: string, ceremony: Ceremony, issued: IssuedChallenge, now: Date): Promise<void> {
    await this.#ensureIndexes();
    const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
    await storeCall(() => this.#challenges.replaceOne({ _id: `${sessionKey}:${ceremony}` }, { ...issued, expiresAt }, { upsert: true }));
  }

  /**
   * Takes the session's pending challenge for `ceremony` if it is `challenge` and has not expired:
   * single use, atomically. Null otherwise (none issued, replaced, used already, or expired).
   */
  async consume(sessionKey: string, ceremony: Ceremony, challenge: string, now: Date): Promise<IssuedChallenge | null> {
    const document = await storeCall(() =>
      this.#challenges.findOneAndDelete({ _id: `${sessionKey}:${ceremony}`, challenge, expiresAt: { $gt: now } }),
    );
    if (document === null) return null;
    const { challenge: text, userId, userHandle } = document;
    return { challenge: text, userId, ...(userHandle === undefined ? {} : { userHandle }) };
  }
}
