// Is this server ready for traffic? GET /readyz asks, and so does the dashboard's 503 page
// (lib/server/database-down-page.ts) before it blames the database. A probe is one small query
// on its own connection (never the pools requests wait on), answered from a one-second cache so
// load balancers probing often cost nothing.
import Database from "better-sqlite3";
import pg from "pg";

import type { DatabaseTarget } from "../db/database-url";

export type ReadinessCheck = { ok: boolean; detail?: string };
export type Readiness = { ready: boolean; checks: { database: ReadinessCheck; migrations: ReadinessCheck; usageWriter: ReadinessCheck } };

/** The usage writer, as readiness sees it (lib/api/usage-recorder.ts). */
export type UsageWriterState = { readonly pending: number; readonly failing: boolean };

const PROBE_TIMEOUT_MS = 2_000;
const CACHE_MS = 1_000;
/** More unwritten usage than this (about 20 s of a busy server's calls) means the writer is not keeping up. */
export const USAGE_BACKLOG_LIMIT = 50_000;

const APPLIED_MIGRATIONS = `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;

export class DatabaseProbe {
  #client: pg.Client | null = null;
  #cached: { at: number; result: Promise<string[]> } | null = null;

  constructor(private readonly target: DatabaseTarget) {}

  /** The names of the applied migrations; rejects when the database cannot be reached. */
  appliedMigrations(): Promise<string[]> {
    const now = Date.now();
    if (this.#cached && now - this.#cached.at < CACHE_MS) return this.#cached.result;
    const result = withTimeout(this.#query(), PROBE_TIMEOUT_MS);
    this.#cached = { at: now, result };
    return result;
  }

  /** Whether the database answers now (a fresh probe, not the cached one). */
  async reachable(): Promise<boolean> {
    this.#cached = null;
    return this.appliedMigrations().then(
      () => true,
      () => false,
    );
  }

  async #query(): Promise<string[]> {
    if (this.target.provider === "sqlite") {
      const sqlite = new Database(this.target.file, { readonly: true, fileMustExist: true, timeout: PROBE_TIMEOUT_MS });
      try {
        return (sqlite.prepare(APPLIED_MIGRATIONS).all() as { migration_name: string }[]).map((row) => row.migration_name);
      } finally {
        sqlite.close();
      }
    }
    try {
      this.#client ??= await this.#connect();
      const rows = await this.#client.query<{ migration_name: string }>(APPLIED_MIGRATIONS);
      return rows.rows.map((row) => row.migration_name);
    } catch (error) {
      // A broken connection is replaced on the next probe (the database may be back by then).
      const client = this.#client;
      this.#client = null;
      void client?.end().catch(() => {});
      throw error;
    }
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.target.url,
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      statement_timeout: PROBE_TIMEOUT_MS,
    });
    client.on("error", () => {}); // a lost connection is noticed by the next query
    await client.connect();
    return client;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }
}

/** Ready when the database answers, every migration this version ships is applied, and usage is being written. */
export async function checkReadiness(
  probe: DatabaseProbe,
  expectedMigrations: readonly string[],
  usage: UsageWriterState | null,
): Promise<Readiness> {
  let database: ReadinessCheck;
  let migrations: ReadinessCheck;
  try {
    const applied = new Set(await probe.appliedMigrations());
    database = { ok: true };
    const missing = expectedMigrations.filter((name) => !applied.has(name));
    migrations =
      missing.length === 0 ? { ok: true } : { ok: false, detail: `${missing.length} migration(s) not applied, first ${missing[0]}` };
  } catch (error) {
    database = { ok: false, detail: `unreachable: ${(error as Error).message}` };
    migrations = { ok: false, detail: "unknown: the database is unreachable" };
  }
  let usageWriter: ReadinessCheck = { ok: true };
  if (usage?.failing) usageWriter = { ok: false, detail: `the last batch failed to write; ${usage.pending} waiting` };
  else if (usage && usage.pending > USAGE_BACKLOG_LIMIT) usageWriter = { ok: false, detail: `${usage.pending} waiting to be written` };
  return { ready: database.ok && migrations.ok && usageWriter.ok, checks: { database, migrations, usageWriter } };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
