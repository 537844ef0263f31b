// The migrations folders are the only way the schema reaches a database, so check that
// they build exactly the schema, apply idempotently, and keep the audit log append-only.
// Runs on DATABASE_URL's provider: SQLite by default, PostgreSQL under scripts/with-postgres.ts.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { assertLocalDatabase, resolveDatabaseTarget, type DatabaseTarget } from "../../lib/db/database-url";
import { applyMigrations, diffDatabaseAgainstSchema, migrationNames, schemaPathFor } from "../../lib/db/migrate";
import { postgresSchemaFrom } from "../../scripts/lib/schema-variants";

const TIMEOUT = 60_000;

describe("PostgreSQL schema variant", () => {
  it("is the one generated from prisma/schema.prisma", () => {
    const expected = postgresSchemaFrom(readFileSync(schemaPathFor("sqlite"), "utf8"));
    const committed = readFileSync(schemaPathFor("postgresql"), "utf8");
    expect(committed, "prisma/postgres/schema.prisma is out of date: run `npm run db:schema:pg`").toBe(expected);
  });

  it("has a migration for every SQLite migration, with the same name", () => {
    expect(migrationNames("postgresql")).toEqual(migrationNames("sqlite"));
  });
});

const configured = resolveDatabaseTarget(process.env.DATABASE_URL);
assertLocalDatabase(configured);

describe(`migrations on ${configured.provider}`, () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase(configured);
  }, TIMEOUT);

  afterAll(async () => {
    await scratch?.drop();
  }, TIMEOUT);

  it(
    "apply from an empty database and produce exactly the schema",
    async () => {
      const applied = await applyMigrations(scratch.target);
      expect(applied).toEqual(migrationNames(scratch.target.provider));
      const drift = await diffDatabaseAgainstSchema(scratch.target);
      expect(drift, "the migrations do not build prisma/schema.prisma: run `npm run db:migration <name>`").toBe("");
    },
    TIMEOUT,
  );

  it(
    "apply nothing the second time",
    async () => {
      expect(await applyMigrations(scratch.target)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "make the database refuse to change or delete audit events",
    async () => {
      await scratch.sql(
        `INSERT INTO "AuditEvent" ("id", "orgId", "actorLabel", "action") VALUES ('audit-1', 'org-1', 'tester', 'test.created')`,
      );
      await expect(scratch.sql(`UPDATE "AuditEvent" SET "action" = 'tampered' WHERE "id" = 'audit-1'`)).rejects.toThrow(
        /audit log is append-only/,
      );
      await expect(scratch.sql(`DELETE FROM "AuditEvent" WHERE "id" = 'audit-1'`)).rejects.toThrow(/audit log is append-only/);
      if (scratch.target.provider === "postgresql") {
        await expect(scratch.sql(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/audit log is append-only/);
      }
      expect(await scratch.sql(`SELECT "action" FROM "AuditEvent"`)).toEqual([{ action: "test.created" }]);
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------
// A brand-new database of the configured provider, dropped afterwards.

type ScratchDatabase = {
  target: DatabaseTarget;
  sql(statement: string): Promise<unknown[]>;
  drop(): Promise<void>;
};

function createScratchDatabase(like: DatabaseTarget): Promise<ScratchDatabase> {
  return like.provider === "sqlite" ? Promise.resolve(scratchSqlite()) : scratchPostgres(like.url);
}

function scratchSqlite(): ScratchDatabase {
  const dir = mkdtempSync(join(tmpdir(), "keyward-migrations-test-"));
  const file = join(dir, "test.db");
  return {
    target: { provider: "sqlite", file, url: `file:${file}` },
    async sql(statement) {
      const db = new Database(file);
      try {
        const prepared = db.prepare(statement);
        return prepared.reader ? prepared.all() : (prepared.run(), []);
      } finally {
        db.close();
      }
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A fresh database on the same (local) server, so the migrations start from nothing.
async function scratchPostgres(serverUrl: string): Promise<ScratchDatabase> {
  const name = `keyward_migrations_${randomBytes(6).toString("hex")}`;
  await runPostgres(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    target: { provider: "postgresql", url: url.toString() },
    sql: (statement) => runPostgres(url.toString(), statement),
    drop: async () => {
      await runPostgres(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function runPostgres(url: string, statement: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}
