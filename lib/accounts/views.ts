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

/**
 * What `GET /api/session` says of a session (or of none): who is signed in, the session's dates and
 * the visit counter its data holds. Every answer that starts or changes the session (log-in,
 * registration, a passkey log-in, a visit) carries it too, so a page renders from that answer
 * instead of asking again. The user comes from what the session itself holds (no extra database read).
 */
export function sessionState(session: SessionRecord<AppSessionData> | null) {
  const visits = session?.data.visits ?? 0;
  if (session?.userId == null) return { authenticated: false as const, visits };
  const user: PublicUser = { id: session.userId, username: session.data.username ?? "" };
  return { authenticated: true as const, user, session: sessionView(session), visits };
}
