// Database migrations without the Prisma CLI (which needs the internet for its engine).
//   deploy         apply pending migrations to DATABASE_URL (default: the SQLite file)
//   create <name>  write a new migration for SQLite and PostgreSQL from prisma/schema.prisma
//   diff           exit 1 and print the SQL if DATABASE_URL's database differs from the schema
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { resolveDatabaseTarget } from "../lib/db/database-url";
import { applyMigrations, createMigration, diffDatabaseAgainstSchema, migrationTimestamp, schemaPathFor } from "../lib/db/migrate";
import { findPostgresBin } from "../lib/db/temp-postgres";
import { postgresSchemaFrom } from "./lib/schema-variants";

const USAGE = "usage: tsx scripts/migrate.ts deploy | create <name> | diff";

async function deploy(): Promise<void> {
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  const applied = await applyMigrations(target, { log: (line) => console.log(line) });
  if (applied.length === 0) console.log("database is up to date");
}

async function create(name: string | undefined): Promise<void> {
  if (!name) throw new Error(`missing migration name; ${USAGE}`);
  // Check before writing anything, so SQLite never gets a migration PostgreSQL lacks.
  if (!findPostgresBin()) {
    throw new Error("no PostgreSQL server binaries found (install postgresql or set PG_BIN); both providers need the migration");
  }
  regeneratePostgresSchema();
  // One timestamp for both providers, so their migration directories pair up by name.
  const timestamp = migrationTimestamp();
  for (const provider of ["sqlite", "postgresql"] as const) {
    await createMigration(provider, name, { timestamp, log: (line) => console.log(line) });
  }
}

function regeneratePostgresSchema(): void {
  const source = readFileSync(schemaPathFor("sqlite"), "utf8");
  writeFileSync(schemaPathFor("postgresql"), postgresSchemaFrom(source));
  console.log(`regenerated ${join("prisma", "postgres", "schema.prisma")}`);
}

async function diff(): Promise<number> {
  const sql = await diffDatabaseAgainstSchema(resolveDatabaseTarget(process.env.DATABASE_URL));
  if (sql === "") {
    console.log("database matches the schema");
    return 0;
  }
  console.log(sql);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "deploy":
      await deploy();
      return 0;
    case "create":
      await create(args[0]);
      return 0;
    case "diff":
      return diff();
    default:
      throw new Error(USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    process.exit(1);
  },
);
