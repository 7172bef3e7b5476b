import type { Db } from "mongodb";
import type { GalletaConfig } from "../runtime/config.ts";
import type { MongoStore } from "../sessions/mongo-store.ts";
import type { SessionStats } from "../sessions/session-stats.ts";
import type { SessionManager } from "../sessions/sessions.ts";
import type { ActivityLog } from "./activity.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import type { UserStore } from "./users.ts";
import type { ChallengeStore } from "./passkeys/challenges.ts";
import type { PasskeyStore } from "./passkeys/passkey-store.ts";

/**
 * The shape of the objects the account operations work with. It lives here, beside them, and
 * `lib/services.ts` (the composition root, above every layer) builds it: so accounts never import
 * the root that imports them.
 */

/** What galleta keeps in a session besides the user id: the username and the lecture's visit counter. */
export interface AppSessionData extends Record<string, unknown> {
  username?: string;
  visits?: number;
}

/** The objects a function works with, built once per warm instance and configuration. */
export interface Services {
  config: GalletaConfig;
  db: Db;
  store: MongoStore<AppSessionData>;
  sessions: SessionManager<AppSessionData>;
  /** The storage page's figures, shared by every instance. */
  stats: SessionStats<AppSessionData>;
  users: UserStore;
  throttle: LoginThrottle;
  events: ActivityLog;
  // Passkeys (issue 16).
  passkeys: PasskeyStore;
  challenges: ChallengeStore;
}
