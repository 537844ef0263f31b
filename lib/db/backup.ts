// Online backup of the SQLite database: SQLite's backup API copies the file page by page while
// the server keeps serving, and the copy is one consistent moment of the database (a plain file
// copy taken during a write can be torn). PostgreSQL is backed up with pg_dump (README).
import { existsSync, mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import Database from "better-sqlite3";

export class BackupError extends Error {}

/** `keyward-20260101-120000.db` beside the database in `backups/`, unless a path is given. */
export function defaultBackupPath(databaseFile: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  const name = basename(databaseFile).replace(/\.db$/, "");
  return join(dirname(databaseFile), "backups", `${name}-${stamp.slice(0, 8)}-${stamp.slice(8)}.db`);
}

/** Copies the live database to `destination` (a new file) and checks the copy's integrity. */
export async function backupSqlite(databaseFile: string, destination: string): Promise<{ path: string; bytes: number }> {
  if (!existsSync(databaseFile)) throw new BackupError(`no database at ${databaseFile}`);
  if (existsSync(destination)) throw new BackupError(`${destination} already exists; choose another path`);
  mkdirSync(dirname(destination), { recursive: true });
  // Waits for writers rather than failing: the server may be writing usage right now.
  const source = new Database(databaseFile, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    await source.backup(destination);
  } finally {
    source.close();
  }
  const copy = new Database(destination, { readonly: true, fileMustExist: true });
  try {
    const result = copy.pragma("integrity_check", { simple: true });
    if (result !== "ok") throw new BackupError(`the copy at ${destination} failed its integrity check: ${String(result)}`);
    const { bytes } = copy.prepare("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()").get() as {
      bytes: number;
    };
    return { path: destination, bytes };
  } finally {
    copy.close();
  }
}
