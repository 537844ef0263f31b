import "server-only";

import { cache } from "react";

import { db } from "../db/client";
import { auth } from "./next-auth";

const LAST_ACTIVE_RESOLUTION_MS = 5 * 60_000;

export type CurrentUser = { id: string; email: string; name: string | null; sessionId: string };

/**
 * The signed-in user, or null. The cookie alone is not enough: its server-side session row
 * must still exist, so signing out (or an admin ending sessions) takes effect at once.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await auth();
  const sessionId = session?.sid;
  if (!sessionId) return null;
  const row = await db.session.findUnique({
    where: { id: sessionId },
    select: { expiresAt: true, user: { select: { id: true, email: true, name: true, lastActiveAt: true } } },
  });
  const now = new Date();
  if (!row || row.expiresAt <= now) return null;
  const { lastActiveAt, ...user } = row.user;
  // "Last active" on the members page; written at most every few minutes, not on every request.
  if (!lastActiveAt || now.getTime() - lastActiveAt.getTime() > LAST_ACTIVE_RESOLUTION_MS) {
    await db.user.update({ where: { id: user.id }, data: { lastActiveAt: now } });
  }
  return { ...user, sessionId };
});
