import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { assertLocalDatabase, resolveDatabaseTarget } from "../../lib/db/database-url";
import { applyMigrations } from "../../lib/db/migrate";

/**
 * Integration tests run against DATABASE_URL when it is set (scripts/with-postgres.ts sets a
 * temporary PostgreSQL cluster), otherwise against a fresh temporary SQLite file.
 */
export default async function setup() {
  let tempDir: string | undefined;
  if (!process.env.DATABASE_URL) {
    tempDir = mkdtempSync(join(tmpdir(), "keyward-it-"));
    process.env.DATABASE_URL = `file:${join(tempDir, "test.db")}`;
  }
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  assertLocalDatabase(target);
  await applyMigrations(target);
  process.env.TOKEN_ENCRYPTION_KEYS ??= "1:" + Buffer.alloc(32, 7).toString("base64");
  process.env.AUTH_SECRET ??= "integration-test-secret-integration-test-secret";
  console.log(`integration tests on ${target.provider}`);
  return () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
}
