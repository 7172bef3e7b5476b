import { effectiveExpiry, type SessionRecord } from "./session-store.ts";
import type { AppSessionData } from "../services.ts";
import type { PublicUser } from "../accounts/users.ts";

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

/** The client's User-Agent, trimmed to what a devices list needs. */
export function userAgentOf(request: Request): string | null {
  return request.headers.get("user-agent")?.slice(0, 256) ?? null;
}
