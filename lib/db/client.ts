import { PrismaPg } from "@prisma/adapter-pg";

import { resolveDatabaseTarget, type DatabaseTarget } from "./database-url";
import { PrismaClient as PostgresPrismaClient } from "./generated/postgres/client";
import { PrismaClient } from "./generated/sqlite/client";
import { SerializedSqliteAdapterFactory } from "./sqlite-adapter";

// Secrets never leave the database layer unless a query asks for them by name.
const omit = { user: { passwordHash: true }, apiTokenValue: { ciphertext: true } } as const;

const POSTGRES_LOCK_TIMEOUT_MS = 10_000;

/** A new client; the app uses `db`, scripts that must close their connection create their own. */
export function createDb(target: DatabaseTarget) {
  if (target.provider === "postgresql") {
    // A lock held longer than this (a stuck session, a long migration) fails the statement with
    // 55P03, which callers answer as "busy, try again" instead of hanging the request for good.
    const adapter = new PrismaPg({ connectionString: target.url, options: `-c lock_timeout=${POSTGRES_LOCK_TIMEOUT_MS}` });
    const client = new PostgresPrismaClient({ adapter, omit });
    // Both clients are generated from one schema; only the provider differs.
    return client as unknown as PrismaClient<never, typeof omit>;
  }
  return new PrismaClient({ adapter: new SerializedSqliteAdapterFactory(target.file), omit });
}

export type Db = ReturnType<typeof createDb>;

const globalForDb = globalThis as unknown as { keywardDb?: Db };

/** The one Prisma client of the process, for the database DATABASE_URL names. */
export const db: Db = (globalForDb.keywardDb ??= createDb(resolveDatabaseTarget(process.env.DATABASE_URL)));

export const databaseProvider = resolveDatabaseTarget(process.env.DATABASE_URL).provider;
