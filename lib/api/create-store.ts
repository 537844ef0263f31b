import type { DatabaseTarget } from "../db/database-url";
import type { ApiStore } from "./store";
import { PostgresApiStore } from "./store-postgres";
import { SqliteApiStore, type SqliteStoreOptions } from "./store-sqlite";

/** The hot-path store for the database DATABASE_URL names (the same one Prisma uses). */
export function createApiStore(target: DatabaseTarget, options: SqliteStoreOptions = {}): ApiStore {
  return target.provider === "postgresql" ? new PostgresApiStore(target.url) : new SqliteApiStore(target.file, options);
}
