import { isAbsolute, resolve } from "node:path";

export type DatabaseTarget = { provider: "sqlite"; file: string; url: string } | { provider: "postgresql"; url: string };

export const DEFAULT_SQLITE_FILE = "./data/keyward.db";

export class DatabaseUrlError extends Error {}

/**
 * Reads DATABASE_URL: empty means the embedded SQLite file, `file:` a SQLite file,
 * `postgres://` / `postgresql://` a PostgreSQL server. Anything else is refused with one clear line.
 */
export function resolveDatabaseTarget(databaseUrl: string | undefined, cwd = process.cwd()): DatabaseTarget {
  const raw = (databaseUrl ?? "").trim();
  if (raw === "") return sqliteTarget(DEFAULT_SQLITE_FILE, cwd);
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      const parsed = new URL(raw);
      if (!parsed.hostname) throw new Error("no host");
    } catch {
      throw new DatabaseUrlError(`DATABASE_URL is not a valid PostgreSQL URL (expected postgresql://user:password@host:port/database)`);
    }
    return { provider: "postgresql", url: raw };
  }
  if (raw.startsWith("file:")) {
    const path = raw.slice("file:".length).replace(/^\/\/(?=\/)/, "");
    if (!path) throw new DatabaseUrlError("DATABASE_URL file: URL has no path (expected file:./data/keyward.db)");
    return sqliteTarget(path, cwd);
  }
  throw new DatabaseUrlError(`DATABASE_URL must start with file:, postgres:// or postgresql:// (got "${raw.split(":")[0]}:…")`);
}

function sqliteTarget(path: string, cwd: string): DatabaseTarget {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  return { provider: "sqlite", file, url: `file:${file}` };
}

/** Tests refuse to touch a database that is not on this machine. */
export function assertLocalDatabase(target: DatabaseTarget): void {
  if (target.provider === "sqlite") return;
  const host = new URL(target.url).hostname;
  if (!["localhost", "127.0.0.1", "::1", "[::1]"].includes(host)) {
    throw new Error(`Refusing to run tests against a non-local database (${host}).`);
  }
}
