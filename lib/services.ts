import { ActivityLog } from "./accounts/activity.ts";
import type { AppSessionData, Services } from "./accounts/app-services.ts";
import { getConfig } from "./runtime/config.ts";
import { LoginThrottle } from "./accounts/login-throttle.ts";
import { getDatabase } from "./runtime/mongo.ts";
import { MongoStore } from "./sessions/mongo-store.ts";
import { SessionCookieCache } from "./sessions/session-cache.ts";
import { SessionStats } from "./sessions/session-stats.ts";
import { SessionManager } from "./sessions/sessions.ts";
import { UserStore } from "./accounts/users.ts";
import { passwordCost } from "./accounts/passwords.ts";
import { ChallengeStore } from "./accounts/passkeys/challenges.ts";
import { PasskeyStore } from "./accounts/passkeys/passkey-store.ts";

let cached: Services | undefined;

/** The instance's services; configuration is validated here, so a bad deployment fails on its first request with a clear message. */
export function services(): Services {
  const config = getConfig();
  // Rebuilt when the database changes too: after closeDatabase() the old Db's client is closed for good.
  const db = getDatabase(config);
  if (cached?.config !== config || cached.db !== db) {
    const store = new MongoStore<AppSessionData>(db, config.sessionsCollection);
    cached = {
      config,
      db,
      store,
      sessions: new SessionManager(store, config, {
        cache: config.cacheMs > 0 ? new SessionCookieCache(config.secrets, config.cacheMs) : undefined,
      }),
      stats: new SessionStats(db, store, config),
      users: new UserStore(db, passwordCost(config)),
      throttle: new LoginThrottle(db),
      events: new ActivityLog(db),
      passkeys: new PasskeyStore(db),
      challenges: new ChallengeStore(db),
    };
  }
  return cached;
}
