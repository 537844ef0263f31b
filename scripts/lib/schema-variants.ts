// Prisma cannot pick its provider from the environment, so the SQLite schema is the
// source and the PostgreSQL schema is derived from it, text for text.
export const SQLITE_SCHEMA = "prisma/schema.prisma";
export const POSTGRES_SCHEMA = "prisma/postgres/schema.prisma";

const GENERATED_HEADER = "// GENERATED from prisma/schema.prisma by `npm run db:schema:pg`. Do not edit.\n";

export function postgresSchemaFrom(sqliteSchema: string): string {
  const swapped = sqliteSchema
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace('output   = "../lib/db/generated/sqlite"', 'output   = "../../lib/db/generated/postgres"');
  if (!swapped.includes('"postgresql"') || !swapped.includes("generated/postgres")) {
    throw new Error("prisma/schema.prisma no longer has the sqlite datasource or generator output this script rewrites");
  }
  return GENERATED_HEADER + swapped;
}
