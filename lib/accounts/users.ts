import { randomBytes } from "node:crypto";
import { MongoServerError, ObjectId, type Collection, type Db } from "mongodb";
import { GalletaError } from "../http/errors.ts";
import { indexesOnce, storeCall } from "../runtime/mongo.ts";
import { hashPassword, SCRYPT_COST, type ScryptParams } from "./passwords.ts";
import { invalid } from "../http/validation.ts";

/** A user as the API shows it: never the password hash. */
export interface PublicUser {
  id: string;
  username: string;
}

/** A user with the password hash, for the one place that checks passwords (`logInThen`). */
export interface UserCredentials extends PublicUser, PasswordProof {
  passwordHash: string;
}

/**
 * Which password a log-in proved: the version a password change increments (a rehash with today's
 * parameters does not). A session started on a proof that is no longer current is not kept.
 */
export interface PasswordProof {
  passwordVersion: number;
}

interface UserDocument {
  _id: ObjectId;
  /** Lower-cased: the unique key, so names are case-insensitive. */
  username: string;
  passwordHash: string;
  /** Incremented by every password change; absent means 0. */
  passwordVersion?: number;
  /** The WebAuthn user handle its passkeys get (base64url), made when the first one is added. */
  passkeyHandle?: string;
  createdAt: Date;
}

const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 256;
const DUPLICATE_KEY = 11000;

/** A username as stored and compared: trimmed and lower-cased; 400 unless 3-32 of [a-z0-9_.-]. */
export function normalizeUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username)) {
    throw invalid("username", "Usernames are 3 to 32 characters: letters, digits, '_', '.' or '-'.");
  }
  return username;
}

/** 400 unless the password is 8-256 characters. */
export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    throw invalid("password", `Passwords are ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long.`);
  }
}

/** Users in the `users` collection, with a unique index on the normalised username. */
export class UserStore {
  readonly #users: Collection<UserDocument>;
  readonly #ensureIndexes: () => Promise<void>;
  readonly #cost: ScryptParams;

  /** `cost`: the scrypt parameters of new hashes (lower only in tests, see `passwordCost`). */
  constructor(db: Db, cost: ScryptParams = SCRYPT_COST) {
    this.#cost = cost;
    this.#users = db.collection<UserDocument>("users");
    this.#ensureIndexes = indexesOnce(this.#users, [{ name: "username_unique", key: { username: 1 }, unique: true }]);
  }

  /** Creates a user; 409 `username_taken` if the normalised name exists. */
  async register(rawUsername: string, password: string, now: Date): Promise<PublicUser> {
    const username = normalizeUsername(rawUsername);
    checkPassword(password);
    await this.#ensureIndexes();
    const document: UserDocument = { _id: new ObjectId(), username, passwordHash: await hashPassword(password, this.#cost), createdAt: now };
    try {
      await storeCall(() => this.#users.insertOne(document));
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
        throw new GalletaError("username_taken", "That username is taken. Choose another one.", { field: "username" });
      }
      throw error;
    }
    return toPublic(document);
  }

  /** The user with this (normalised) username and their password hash, or null: one indexed read. */
  async findCredentials(username: string): Promise<UserCredentials | null> {
    await this.#ensureIndexes();
    const user = await storeCall(() => this.#users.findOne({ username }));
    return user === null ? null : { ...toPublic(user), passwordHash: user.passwordHash, passwordVersion: user.passwordVersion ?? 0 };
  }

  /**
   * Replaces a password hash made with older parameters by one of today's, after a successful
   * log-in proved `password`; only if the stored hash is still `previous`, so it never undoes a
   * password change that landed meanwhile.
   */
  async upgradeHash(id: string, previous: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password, this.#cost);
    await storeCall(() => this.#users.updateOne({ _id: new ObjectId(id), passwordHash: previous }, { $set: { passwordHash } }));
  }

  /**
   * Stores a new password hash for the user (issue 12's password change), only if the account still
   * exists with the password version the change proved: one conditional update, so of two changes
   * that proved the same password exactly one wins, and none lands on a deleted account (issue 15).
   * Whether it was stored.
   */
  async setPassword(id: string, password: string, provedVersion: number): Promise<boolean> {
    checkPassword(password);
    const passwordHash = await hashPassword(password, this.#cost);
    // An absent version is 0: accounts whose password has never changed have none.
    const proved = provedVersion === 0 ? { $or: [{ passwordVersion: 0 }, { passwordVersion: { $exists: false } }] } : { passwordVersion: provedVersion };
    const result = await storeCall(() => this.#users.updateOne({ _id: new ObjectId(id), ...proved }, { $set: { passwordHash }, $inc: { passwordVersion: 1 } }));
    return result.matchedCount === 1;
  }

  /** The user's current password version (see `PasswordProof`), or null if the user is gone: one read by `_id`. */
  async passwordVersionOf(id: string): Promise<number | null> {
    const user = await storeCall(() => this.#users.findOne({ _id: new ObjectId(id) }, { projection: { passwordVersion: 1 } }));
    return user === null ? null : (user.passwordVersion ?? 0);
  }

  /** Deletes the user (issue 12's account deletion); its sessions must be deleted after, not beside (see `deleteAccount`). */
  async remove(id: string): Promise<void> {
    await storeCall(() => this.#users.deleteOne({ _id: new ObjectId(id) }));
  }

  /**
   * The user with this id and the password version a session started now rests on, or null: a
   * passkey log-in proves no password, but a password change or account deletion landing meanwhile
   * must still end the session it starts (`startUserSession` compares the version after its insert).
   */
  async findWithProof(id: string): Promise<(PublicUser & PasswordProof) | null> {
    if (!ObjectId.isValid(id) || id.length !== 24) return null;
    const user = await storeCall(() => this.#users.findOne({ _id: new ObjectId(id) }, { projection: { username: 1, passwordVersion: 1 } }));
    return user === null ? null : { ...toPublic(user), passwordVersion: user.passwordVersion ?? 0 };
  }

  /**
   * The user's WebAuthn user handle, which every passkey made from now on carries: 32 random bytes
   * (base64url), made the first time it is asked for, so it tells nothing about the account, not even
   * when it was made, as the ObjectId would (WebAuthn §14.6.1). One read; the first time, a
   * conditional write too, so that two first registrations agree on one, and a read back. Null if
   * the user is gone.
   */
  async passkeyHandleOf(id: string): Promise<string | null> {
    if (!ObjectId.isValid(id) || id.length !== 24) return null;
    const _id = new ObjectId(id);
    const read = async () => storeCall(() => this.#users.findOne({ _id }, { projection: { passkeyHandle: 1 } }));
    const user = await read();
    if (user === null || user.passkeyHandle !== undefined) return user?.passkeyHandle ?? null;
    const passkeyHandle = randomBytes(32).toString("base64url");
    await storeCall(() => this.#users.updateOne({ _id, passkeyHandle: { $exists: false } }, { $set: { passkeyHandle } }));
    return (await read())?.passkeyHandle ?? null;
  }

  /** The user with this id, or null. */
  async findById(id: string): Promise<PublicUser | null> {
    if (!ObjectId.isValid(id) || id.length !== 24) return null;
    const user = await storeCall(() => this.#users.findOne({ _id: new ObjectId(id) }, { projection: { passwordHash: 0 } }));
    return user === null ? null : toPublic(user);
  }
}

function toPublic(user: Pick<UserDocument, "_id" | "username">): PublicUser {
  return { id: user._id.toHexString(), username: user.username };
}
