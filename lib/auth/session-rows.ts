import { db } from "../db/client";

/**
 * Ends a server-side session: the row goes, so every copy of the cookie that names it is refused
 * (getCurrentUser requires the row). Every way of signing out comes here.
 */
export async function endSession(sessionId: string): Promise<void> {
  await db.session.deleteMany({ where: { id: sessionId } });
}
