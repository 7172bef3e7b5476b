import { describe, expect, it } from "vitest";
import { requireRecentAuthentication } from "../../../lib/accounts/reauthentication.ts";
import { GalletaError } from "../../../lib/http/errors.ts";
import type { SessionRecord } from "../../../lib/sessions/session-store.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const WINDOW = 10 * 60_000;

function sessionAuthenticated(authenticatedAt: Date | null | undefined): SessionRecord {
  return {
    key: "0".repeat(64),
    userId: "u1",
    data: {},
    // Created long ago: the window runs from the last proof of the password, not from creation.
    createdAt: new Date(NOW.getTime() - 86_400_000),
    lastSeenAt: NOW,
    expiresAt: new Date(NOW.getTime() + 60_000),
    absoluteExpiresAt: new Date(NOW.getTime() + 60_000),
    userAgent: null,
    ...(authenticatedAt === undefined ? {} : { authenticatedAt }),
  };
}

describe("requireRecentAuthentication", () => {
  it.each([
    ["just now", new Date(NOW.getTime())],
    ["exactly at the window's edge", new Date(NOW.getTime() - WINDOW)],
  ])("lets a session through that proved the password %s", (_case, at) => {
    expect(() => requireRecentAuthentication(sessionAuthenticated(at), WINDOW, NOW)).not.toThrow();
  });

  it.each([
    ["a millisecond past the window", new Date(NOW.getTime() - WINDOW - 1)],
    ["never (null)", null],
    ["never (a session stored before the field existed)", undefined],
  ])("answers 403 reauthentication_required for a session that proved it %s", (_case, at) => {
    let thrown: unknown;
    try {
      requireRecentAuthentication(sessionAuthenticated(at), WINDOW, NOW);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GalletaError);
    expect(thrown).toMatchObject({ code: "reauthentication_required", status: 403 });
  });
});
