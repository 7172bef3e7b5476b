import { Binary, MongoServerError, type Collection, type Db } from "mongodb";
import { GalletaError } from "../../http/errors.ts";
import { indexesOnce, storeCall } from "../../runtime/mongo.ts";

/** Whether a passkey lives on one device or syncs between a user's devices (WebAuthn's backup eligibility). */
export type PasskeyDeviceType = "singleDevice" | "multiDevice";

/** One passkey as galleta keeps it. */
export interface PasskeyRecord {
  /** The credential id, base64url: what the authenticator names the passkey by. */
  id: string;
  userId: string;
  /** The credential's COSE public key, as the authenticator gave it at registration. */
  publicKey: Uint8Array<ArrayBuffer>;
  /** The authenticator's signature counter at its last use; 0 for authenticators that never count. */
  signCount: number;
  transports: string[];
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  /** The authenticator model's AAGUID (all zeros when it does not say). */
  aaguid: string;
  /** Whether the authenticator verified the user (PIN, biometrics) at registration: then every use must. */
  userVerified: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /**
   * The WebAuthn user handle (base64url) the authenticator was given at registration, which its
   * assertions send back. Absent on passkeys made before random handles: theirs is the user's id.
   */
  userHandle?: string;
}

interface PasskeyDocument extends Omit<PasskeyRecord, "id" | "publicKey"> {
  /** The credential id: `_id`'s unique index is the credential id's, and a log-in's lookup is one read by it. */
  _id: string;
  publicKey: Binary;
}

/** How many passkeys a user holds, kept beside them so the cap is one conditional write (`passkey_counts`). */
interface CountDocument {
  /** The user's id. */
  _id: string;
  count: number;
}

/** At most this many passkeys per user: registration is a ceremony per passkey, but nothing grows without bound. */
export const MAX_PASSKEYS_PER_USER = 20;

const DUPLICATE_KEY = 11000;

/** 400 `invalid_input`: the user holds as many passkeys as an account may. */
export function tooManyPasskeys(): GalletaError {
  return new GalletaError("invalid_input", `You have ${MAX_PASSKEYS_PER_USER} passkeys, the most an account can have. Remove one first.`);
}

/**
 * Passkeys in the `passkeys` collection: `_id` is the credential id, an index on `userId` serves a
 * user's list. Each user's count lives in `passkey_counts`, so that the cap holds at the write.
 */
export class PasskeyStore {
  readonly #passkeys: Collection<PasskeyDocument>;
  readonly #counts: Collection<CountDocument>;
  readonly #ensureIndexes: () => Promise<void>;

  constructor(db: Db) {
    this.#passkeys = db.collection<PasskeyDocument>("passkeys");
    this.#counts = db.collection<CountDocument>("passkey_counts");
    this.#ensureIndexes = indexesOnce(this.#passkeys, [{ name: "userId_createdAt", key: { userId: 1, createdAt: 1 } }]);
  }

  /**
   * Stores a new passkey, under MAX_PASSKEYS_PER_USER however many registrations of the user run at
   * once: it first takes a slot of the user's count by one conditional update (`count` below the
   * cap, as the throttle's counters are), and gives it back if the insert fails. 400 `invalid_input`
   * when the user has no slot left; 409 `passkey_taken` if the credential id is registered already
   * (to anyone).
   */
  async insert(record: PasskeyRecord): Promise<void> {
    await this.#ensureIndexes();
    await this.#takeSlot(record.userId);
    const { id, publicKey, ...rest } = record;
    try {
      await storeCall(() => this.#passkeys.insertOne({ _id: id, publicKey: new Binary(publicKey), ...rest }));
    } catch (error) {
      await this.#giveSlotBack(record.userId);
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
        throw new GalletaError("passkey_taken", "This passkey is registered already.");
      }
      throw error;
    }
  }

  /**
   * One slot of the user's count, or 400 when it is at the cap. A user without a count yet (none
   * registered, or passkeys from before the count) gets one started from the passkeys stored: of
   * two starts the first wins and the other's insert fails harmlessly, and both then take their
   * slot from it. A removal that lands between a start's count and its insert leaves it one too
   * high, which only errs towards the cap.
   */
  async #takeSlot(userId: string): Promise<void> {
    const take = () => storeCall(() => this.#counts.updateOne({ _id: userId, count: { $lt: MAX_PASSKEYS_PER_USER } }, { $inc: { count: 1 } }));
    if ((await take()).matchedCount === 1) return;
    const stored = await storeCall(() => this.#passkeys.countDocuments({ userId }));
    try {
      await storeCall(() => this.#counts.insertOne({ _id: userId, count: stored }));
    } catch (error) {
      // Someone else's start, or a count that is simply full: the second try below tells them apart.
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    if ((await take()).matchedCount === 1) return;
    throw tooManyPasskeys();
  }

  async #giveSlotBack(userId: string): Promise<void> {
    await storeCall(() => this.#counts.updateOne({ _id: userId, count: { $gt: 0 } }, { $inc: { count: -1 } }));
  }

  /** The passkey with this credential id, or null: one read by `_id`. */
  async find(id: string): Promise<PasskeyRecord | null> {
    const document = await storeCall(() => this.#passkeys.findOne({ _id: id }));
    return document === null ? null : toRecord(document);
  }

  /** A user's passkeys, oldest first. */
  async listForUser(userId: string): Promise<PasskeyRecord[]> {
    await this.#ensureIndexes();
    const documents = await storeCall(() => this.#passkeys.find({ userId }).sort({ createdAt: 1, _id: 1 }).limit(MAX_PASSKEYS_PER_USER).toArray());
    return documents.map(toRecord);
  }

  /** Renames one of the user's passkeys; the passkey as it was before, or null if no such passkey is theirs. */
  async rename(userId: string, id: string, name: string): Promise<PasskeyRecord | null> {
    const document = await storeCall(() => this.#passkeys.findOneAndUpdate({ _id: id, userId }, { $set: { name } }, { returnDocument: "before" }));
    return document === null ? null : toRecord(document);
  }

  /** Deletes one of the user's passkeys and frees its slot; the deleted passkey, or null if no such passkey is theirs. */
  async remove(userId: string, id: string): Promise<PasskeyRecord | null> {
    const document = await storeCall(() => this.#passkeys.findOneAndDelete({ _id: id, userId }));
    if (document === null) return null;
    await this.#giveSlotBack(userId);
    return toRecord(document);
  }

  /**
   * Records a use: the new counter, the backup state and the time, only if the stored counter is
   * still below `next` (or, for an authenticator that always reports 0, still 0). False when another
   * use moved the counter meanwhile: two assertions carrying the same counter is the spec's clone
   * signal (WebAuthn §6.1.1), so the caller refuses this one.
   */
  async recordUse(id: string, next: number, backedUp: boolean, now: Date): Promise<boolean> {
    const result = await storeCall(() =>
      this.#passkeys.updateOne({ _id: id, signCount: next === 0 ? 0 : { $lt: next } }, { $set: { signCount: next, backedUp, lastUsedAt: now } }),
    );
    return result.matchedCount === 1;
  }

  /** Deletes every passkey of a user and their count (account deletion). */
  async removeAllForUser(userId: string): Promise<void> {
    await this.#ensureIndexes();
    await Promise.all([storeCall(() => this.#passkeys.deleteMany({ userId })), storeCall(() => this.#counts.deleteOne({ _id: userId }))]);
  }
}

function toRecord({ _id, publicKey, ...rest }: PasskeyDocument): PasskeyRecord {
  return { id: _id, publicKey: new Uint8Array(publicKey.value()), ...rest };
}
