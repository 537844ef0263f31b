import pg from "pg";

import type { DatabaseTarget } from "./database-url";

// What several server processes on one PostgreSQL must do once rather than once each (migrate at
// start-up, a scheduled sweep) runs under a PostgreSQL advisory lock. The lock lives on a
// connection of its own, so it is released when the holder finishes or its process dies (the
// server closes the session), and never held by a pooled connection someone else reuses.
// SQLite needs none of this: its file lock already serializes migrations, and the jobs guard
// their rows themselves (an incident's lease).

/** The first key of every Keyward advisory lock ("KW"); the second is the hash of the lock's name. */
const LOCK_NAMESPACE = 0x4b57;

/** Held while a process migrates (and seeds) the database at start-up. */
export const STARTUP_LOCK = "startup";

/** The lock's connection could not be opened; the message is one line meant for the operator. */
export class AdvisoryLockError extends Error {
  override name = "AdvisoryLockError";
}

export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/**
 * Runs `fn` while holding the named lock. `wait: true` blocks until the lock is free (start-up:
 * the other processes wait for the first to migrate); `wait: false` gives up at once when another
 * process holds it (a sweep that one process is already doing).
 */
export async function withAdvisoryLock<T>(
  target: DatabaseTarget,
  name: string,
  options: { wait: boolean },
  fn: () => Promise<T>,
): Promise<LockOutcome<T>> {
  if (target.provider !== "postgresql") return { acquired: true, value: await fn() };
  const client = new pg.Client({ connectionString: target.url });
  // A dropped connection must not become an uncaught 'error' event; the next query reports it.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new AdvisoryLockError(`cannot connect to PostgreSQL at ${new URL(target.url).host}: ${(error as Error).message}`);
  }
  try {
    if (options.wait) {
      await client.query("SELECT pg_advisory_lock($1, hashtext($2))", [LOCK_NAMESPACE, name]);
    } else {
      const result = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked", [
        LOCK_NAMESPACE,
        name,
      ]);
      if (result.rows[0]?.locked !== true) return { acquired: false };
    }
    try {
      return { acquired: true, value: await fn() };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_NAMESPACE, name]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}
