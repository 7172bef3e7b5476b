import { effectiveExpiry, type SessionRecord } from "../sessions/session-store.ts";
import type { AppSessionData } from "./app-services.ts";
import type { PublicUser } from "./users.ts";

/** A session's dates as the API shows them; `expiresAt` is whichever expiry comes first. */
export function sessionView(session: SessionRecord) {
  return {
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: effectiveExpiry(session).toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    authenticatedAt: session.authenticatedAt?.toISOString() ?? null,
    remember: session.remember ?? true,
  };
}

/** One of a user's sessions in the devices list; `id` is the public handle, never the cookie value. */
export function deviceView(session: SessionRecord, currentKey: string) {
  const { createdAt, lastSeenAt, expiresAt } = sessionView(session);
  return { id: session.key, current: session.key === currentKey, createdAt, lastSeenAt, expiresAt, userAgent: session.userAgent };
}

/** The user a session belongs to, from what the session itself holds (no extra database read). */
export function sessionUser(session: SessionRecord<AppSessionData> & { userId: string }): PublicUser {
  return { id: session.userId, username: session.data.username ?? "" };
}
