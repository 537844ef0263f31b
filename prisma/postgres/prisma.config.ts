// Prisma CLI configuration for the generated PostgreSQL schema; use it with
// `prisma ... --config prisma/postgres/prisma.config.ts`. Paths are relative to this file.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  // Only migrate/introspect commands need a URL; generate works without one.
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
