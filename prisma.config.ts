// Prisma CLI configuration for the SQLite schema (the source of truth). Migrations are
// applied by `npm run db:migrate` (scripts/migrate.ts, no download needed); this file keeps
// `prisma generate` and, where the internet is reachable, `prisma migrate deploy` working.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL || "file:./data/keyward.db" },
});
