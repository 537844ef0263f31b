import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getKeyring } from "@/lib/config/keyring";
import { createDb, type Db } from "@/lib/db/client";
import { resolveDatabaseTarget } from "@/lib/db/database-url";
import { diffDatabaseAgainstSchema, migrationNames } from "@/lib/db/migrate";
import { findPostgresBin } from "@/lib/db/temp-postgres";
import { newTokenRows } from "@/lib/db/token-store";
import { maintainUsagePartitions, usagePartitions } from "@/lib/db/usage-partitions";
import { insertUsageWithRollups } from "@/lib/db/usage-rollups";
import { decryptTokenValue, hashTokenValue } from "@/lib/tokens";

import { privateDatabase } from "../security/private-db";
import { usageRow } from "../support/usage";

// The PostgreSQL backup the README's Operations section prescribes, run as written: pg_dump in
// custom format, createdb, pg_restore --no-owner. The restored database must hold the data and
// count as fully migrated, or a restore would start with a drift or a re-run migration.
// PostgreSQL only (the SQLite backup is `npm run backup`, tested in lib/db/backup.test.ts).

const bin = findPostgresBin();

/** Runs one of the PostgreSQL client programs; its stderr becomes the error message. */
function run(program: string, args: string[]): void {
  if (!bin) throw new Error("PostgreSQL client binaries not found (set PG_BIN)");
  try {
    execFileSync(join(bin, program), args, { stdio: ["ignore", "pipe", "pipe"], cwd: tmpdir() });
  } catch (error) {
    throw new Error(`${program} failed: ${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()}`);
  }
}

describe("PostgreSQL backup with pg_dump and restore with pg_restore (README, Operations)", () => {
  let source: Awaited<ReturnType<typeof privateDatabase>>;
  let restoredUrl: string;
  let restored: Db;
  let dumpDir: string;
  const restoredName = `kw_restored_${Date.now().toString(36)}`;

  beforeAll(async () => {
    source = await privateDatabase();
    dumpDir = mkdtempSync(join(tmpdir(), "keyward-dump-"));
    const url = new URL(source.url);
    url.pathname = `/${restoredName}`;
    restoredUrl = url.toString();
  });

  afterAll(async () => {
    await restored?.$disconnect();
    const admin = new pg.Client({ connectionString: source.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${restoredName}" WITH (FORCE)`).catch(() => {});
    await admin.end();
    await source?.drop();
    if (dumpDir) rmSync(dumpDir, { recursive: true, force: true });
  });

  it("restores organizations, tokens and usage into a new database that is fully migrated", async () => {
    const now = new Date();
    // Monthly partitions as the retention job keeps them, plus a row old enough for the default partition.
    await maintainUsagePartitions(source.db, { now, cutoff: new Date(now.getTime() - 30 * 86_400_000) });
    const partitions = await usagePartitions(source.db);
    expect(partitions.length).toBeGreaterThan(0);

    const org = await source.db.org.create({ data: { slug: "backed-up", name: "Backed up" } });
    const admin = await source.db.user.create({ data: { email: "admin@backed-up.test", name: "Admin" } });
    await source.db.membership.create({ data: { orgId: org.id, userId: admin.id, role: "ADMIN" } });
    const tokens: { id: string; orgId: string; valueId: string; plaintext: string }[] = [];
    for (const name of ["ci", "deploy"]) {
      const rows = newTokenRows(getKeyring(), {
        orgId: org.id,
        name,
        scopes: ["report:read"],
        visibility: "ORGANIZATION",
        quotaMax: 500,
        quotaWindow: "MONTHLY",
        expiresAt: null,
        createdById: admin.id,
      });
      await source.db.apiToken.create({ data: rows.token });
      await source.db.apiTokenValue.create({ data: rows.value });
      tokens.push({ id: rows.token.id, orgId: org.id, valueId: rows.value.id, plaintext: rows.plaintext });
    }
    const usage = [
      ...Array.from({ length: 5 }, (_, i) => usageRow(tokens[0], { at: new Date(now.getTime() - i * 60_000) })),
      usageRow(tokens[1], { at: new Date(Date.UTC(1999, 0, 1)), status: 429 }),
    ];
    await insertUsageWithRollups(source.db, usage);

    // The README's commands, with its placeholders filled in.
    const dump = join(dumpDir, "keyward.dump");
    run("pg_dump", ["--format=custom", `--file=${dump}`, source.url]);
    run("createdb", [`--maintenance-db=${source.url}`, restoredName]);
    run("pg_restore", ["--no-owner", `--dbname=${restoredUrl}`, dump]);

    restored = createDb(resolveDatabaseTarget(restoredUrl));
    expect(await restored.org.findUnique({ where: { id: org.id }, select: { slug: true } })).toEqual({ slug: "backed-up" });
    expect(await restored.membership.count({ where: { orgId: org.id, userId: admin.id, role: "ADMIN" } })).toBe(1);
    expect(
      (await restored.apiToken.findMany({ where: { orgId: org.id }, select: { name: true }, orderBy: { name: "asc" } })).map((t) => t.name),
    ).toEqual(["ci", "deploy"]);
    // A token is still found by its hash, and its value still decrypts with the same keys.
    for (const token of tokens) {
      const value = await restored.apiTokenValue.findUniqueOrThrow({
        where: { hash: hashTokenValue(token.plaintext) },
        select: { id: true, tokenId: true, ciphertext: true, keyVersion: true },
      });
      expect(value.tokenId).toBe(token.id);
      expect(decryptTokenValue(getKeyring(), value.ciphertext!, value.keyVersion, value.id)).toBe(token.plaintext);
    }
    expect(
      (await restored.usageEvent.findMany({ where: { orgId: org.id }, select: { requestId: true } })).map((row) => row.requestId).sort(),
    ).toEqual(usage.map((row) => row.requestId).sort());
    expect(await restored.usageDaily.count({ where: { tokenId: tokens[0].id } })).toBeGreaterThan(0);
    // Still partitioned by month, so the retention job keeps dropping months after a restore.
    expect(await usagePartitions(restored)).toEqual(partitions);

    // Every migration is recorded as applied, and the restored schema is the schema (`tsx scripts/migrate.ts diff` prints nothing).
    const applied = await restored.$queryRawUnsafe<{ name: string }[]>(
      `SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
    );
    expect(applied.map((row) => row.name)).toEqual(migrationNames("postgresql"));
    expect(await diffDatabaseAgainstSchema(resolveDatabaseTarget(restoredUrl))).toBe("");
  });
});
