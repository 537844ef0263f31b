import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

import { createDb, type Db } from "@/lib/db/client";
import { resolveDatabaseTarget, type DatabaseTarget } from "@/lib/db/database-url";
import { applyMigrations } from "@/lib/db/migrate";

/**
 * A database of the test's own, migrated, of the provider the suite runs on: for tests that change
 * things every other test would see (re-encrypting every value, locking the whole database).
 */
export async function privateDatabase(): Promise<{ url: string; target: DatabaseTarget; db: Db; drop(): Promise<void> }> {
  const shared = resolveDatabaseTarget(process.env.DATABASE_URL);
  if (shared.provider === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "keyward-private-"));
    const target = resolveDatabaseTarget(`file:${join(dir, "private.db")}`);
    await applyMigrations(target);
    const db = createDb(target);
    return {
      url: target.url,
      target,
      db,
      drop: async () => {
        await db.$disconnect();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `kw_private_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new URL(shared.url);
  admin.pathname = "/postgres";
  await runSql(admin.toString(), `CREATE DATABASE "${name}"`);
  const url = new URL(shared.url);
  url.pathname = `/${name}`;
  const target = resolveDatabaseTarget(url.toString());
  await applyMigrations(target);
  const db = createDb(target);
  return {
    url: url.toString(),
    target,
    db,
    drop: async () => {
      await db.$disconnect();
      await runSql(admin.toString(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
