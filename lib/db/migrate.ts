// Applies and creates Prisma migrations through Prisma's WebAssembly schema engine and the
// same driver adapters the app uses. The Prisma CLI would download a native engine for
// every migrate command, which a self-hosted install without internet cannot do.
// The layout stays Prisma's own (migrations/<name>/migration.sql, migration_lock.toml,
// the _prisma_migrations table), so `prisma migrate deploy` works on these databases too.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm";
import Database from "better-sqlite3";
import pg from "pg";

import type { DatabaseTarget } from "./database-url";
import { startTempPostgres } from "./temp-postgres";

export type Provider = DatabaseTarget["provider"];
export type MigrateOptions = { log?: (line: string) => void };

/** A migration step failed; the message is one line meant for the operator. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const LAYOUT: Record<Provider, { schema: string; migrations: string }> = {
  sqlite: { schema: "prisma/schema.prisma", migrations: "prisma/migrations" },
  postgresql: { schema: "prisma/postgres/schema.prisma", migrations: "prisma/postgres/migrations" },
};

export function schemaPathFor(provider: Provider): string {
  return join(REPO_ROOT, LAYOUT[provider].schema);
}

export function migrationsDirFor(provider: Provider): string {
  return join(REPO_ROOT, LAYOUT[provider].migrations);
}

const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };
const EMPTY_MIGRATION_MARKER = "-- This is an empty migration";
const LOCKFILE = "migration_lock.toml";
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------
// Public API

/** Applies the pending migrations to the database; returns the names of those applied. */
export async function applyMigrations(target: DatabaseTarget, opts: MigrateOptions = {}): Promise<string[]> {
  if (target.provider === "sqlite") prepareSqliteFile(target.file);
  const applied = await withEngine(target, "apply migrations", (engine) => applyPending(engine, target.provider));
  for (const name of applied) opts.log?.(`applied ${name}`);
  return applied;
}

/** SQL that would bring the live database to the schema; "" when they match. */
export async function diffDatabaseAgainstSchema(target: DatabaseTarget): Promise<string> {
  if (target.provider === "sqlite" && !existsSync(target.file)) {
    throw new MigrationError(`SQLite database ${target.file} does not exist`);
  }
  return withEngine(target, "diff the database against the schema", (engine) => diffLiveAgainstSchema(engine, target.provider));
}

/**
 * Writes migrations/<timestamp>_<name>/migration.sql with the changes between the
 * existing migrations and the schema, worked out on a scratch database so no real one is
 * touched. Returns the new directory, or null when there is nothing to migrate.
 */
export async function createMigration(
  provider: Provider,
  name: string,
  opts: MigrateOptions & { timestamp?: string } = {},
): Promise<string | null> {
  const slug = migrationSlug(name);
  const sql = await withScratchDatabase(provider, async (target) =>
    withEngine(target, `create the ${provider} migration`, async (engine) => {
      await applyPending(engine, provider);
      return diffLiveAgainstSchema(engine, provider);
    }),
  );
  if (sql === "") {
    opts.log?.(`${provider}: no changes`);
    return null;
  }
  const dir = writeMigration(provider, `${opts.timestamp ?? migrationTimestamp()}_${slug}`, sql);
  opts.log?.(`${provider}: created ${dir}`);
  return dir;
}

/** Prisma's migration directory prefix: UTC YYYYMMDDHHMMSS. */
export function migrationTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\D/g, "").slice(0, 14);
}

/** The migration directories of a provider, in the order they apply. */
export function migrationNames(provider: Provider): string[] {
  const baseDir = migrationsDirFor(provider);
  if (!existsSync(baseDir)) return [];
  return readdirSync(baseDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(baseDir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort();
}

// ---------------------------------------------------------------------------------------
// Engine operations

async function applyPending(engine: SchemaEngine, provider: Provider): Promise<string[]> {
  const { appliedMigrationNames } = await engine.applyMigrations({
    migrationsList: readMigrationList(provider),
    filters: NO_FILTERS,
  });
  return appliedMigrationNames;
}

async function diffLiveAgainstSchema(engine: SchemaEngine, provider: Provider): Promise<string> {
  const files = [schemaFile(provider)];
  const { stdout } = await engine.diff({
    from: { tag: "schemaDatasource", files, configDir: dirname(schemaPathFor(provider)) },
    to: { tag: "schemaDatamodel", files },
    script: true,
    exitCode: null,
    filters: NO_FILTERS,
  });
  const sql = (stdout ?? "").trim();
  if (sql.startsWith(EMPTY_MIGRATION_MARKER)) return "";
  return provider === "postgresql" ? withoutPartitioningDifferences(sql) : sql;
}

/**
 * The intended differences between the PostgreSQL database and the schema: UsageEvent is
 * partitioned by month there (hand-written migration 20261206171546_usage_event_partitions), so
 * its primary key includes the partition key "at". And PostgreSQL keeps a unique ("requestId", "at")
 * index the schema (for SQLite's writer thread) no longer has: a batch is one transaction whose
 * COMMIT can be cut off with the connection (an outage), leaving the writer unsure it landed; its
 * retry then fails on the index instead of counting the rows and their rollups twice. Prisma cannot
 * express either and would undo them; these exact steps are left out of the diff (so of new
 * migrations and of the drift check). Any other change to UsageEvent still shows.
 */
const POSTGRES_PARTITIONING_DIFFERENCES = [
  `-- DropIndex\nDROP INDEX "UsageEvent_requestId_at_key";`,
  `-- AlterTable\nALTER TABLE "UsageEvent" DROP CONSTRAINT "UsageEvent_pkey",\nADD CONSTRAINT "UsageEvent_pkey" PRIMARY KEY ("id");`,
];

function withoutPartitioningDifferences(sql: string): string {
  return sql
    .split(/\n\s*\n/)
    .map((step) => step.trim())
    .filter((step) => step !== "" && !POSTGRES_PARTITIONING_DIFFERENCES.includes(step))
    .join("\n\n");
}

function schemaFile(provider: Provider): { path: string; content: string } {
  const path = schemaPathFor(provider);
  return { path, content: readFileSync(path, "utf8") };
}

function readMigrationList(provider: Provider): MigrationList {
  const baseDir = migrationsDirFor(provider);
  const lockPath = join(baseDir, LOCKFILE);
  const names = migrationNames(provider);
  return {
    baseDir,
    lockfile: { path: LOCKFILE, content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: readFileSync(join(baseDir, name, "migration.sql"), "utf8") },
      },
    })),
  };
}

function writeMigration(provider: Provider, dirName: string, sql: string): string {
  const baseDir = migrationsDirFor(provider);
  const dir = join(baseDir, dirName);
  if (existsSync(dir)) throw new MigrationError(`migration ${dirName} already exists`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "migration.sql"), `${sql}\n`);
  const lockPath = join(baseDir, LOCKFILE);
  if (!existsSync(lockPath)) {
    writeFileSync(
      lockPath,
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`,
    );
  }
  return dir;
}

function migrationSlug(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) throw new MigrationError(`invalid migration name "${name}" (use letters, digits and _)`);
  return slug;
}

// ---------------------------------------------------------------------------------------
// Engine lifecycle

type EngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
let engineModule: Promise<EngineModule> | undefined;

/** Compiles and instantiates the wasm once per process; engines are cheap after that. */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    // Imported by absolute URL: a bare specifier fails when tsx loads this file from an ESM caller.
    const gluePath = createRequire(join(REPO_ROOT, "package.json")).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const glue = (await import(pathToFileURL(gluePath).href)) as EngineModule;
    const compiled = new WebAssembly.Module(readFileSync(join(dirname(gluePath), "schema_engine_bg.wasm")));
    const imports = withTrackedTimers(glue as unknown as Record<string, unknown>);
    const instance = new WebAssembly.Instance(compiled, { "./schema_engine_bg.js": imports as WebAssembly.ModuleImports });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
    return glue;
  })();
  return engineModule;
}

// The engine arms timeouts (10 s) it never clears (the glue has no clearTimeout), and they
// would keep the process alive after the work is done. Track them and clear the leftovers
// once no engine is running.
const engineTimers = new Set<ReturnType<typeof setTimeout>>();
let runningEngines = 0;

function withTrackedTimers(glue: Record<string, unknown>): Record<string, unknown> {
  const imports = { ...glue };
  for (const name of Object.keys(glue).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
    imports[name] = (callback: () => void, ms: number) => {
      const timer = setTimeout(() => {
        engineTimers.delete(timer);
        callback();
      }, ms >>> 0);
      engineTimers.add(timer);
      return timer;
    };
  }
  return imports;
}

function clearEngineTimersWhenIdle(): void {
  if (runningEngines > 0) return;
  for (const timer of engineTimers) clearTimeout(timer);
  engineTimers.clear();
}

// The engine reports Rust panics through this global.
const panicRegistry = {
  message: "",
  set_message(message: string) {
    panicRegistry.message = message;
  },
};

async function withEngine<T>(target: DatabaseTarget, action: string, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const connection = await openConnection(target);
  let engine: SchemaEngine | undefined;
  runningEngines += 1;
  try {
    const { SchemaEngine } = await loadEngineModule();
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = panicRegistry;
    const { path, content } = schemaFile(target.provider);
    engine = await SchemaEngine.new(
      { datamodels: [[path, content]] },
      () => {}, // engine tracing; nothing we show
      bindMigrationAwareSqlAdapterFactory(connection.factory),
    );
    return await run(engine);
  } catch (error) {
    throw asMigrationError(error, action, target, connection.failures);
  } finally {
    engine?.free();
    runningEngines -= 1;
    clearEngineTimersWhenIdle();
    await connection.close();
  }
}

type Connection = { factory: SqlMigrationAwareDriverAdapterFactory; failures: FailureLog; close(): Promise<void> };

async function openConnection(target: DatabaseTarget): Promise<Connection> {
  const failures: FailureLog = {};
  if (target.provider === "sqlite") {
    // Wait for a running app's write lock rather than failing with SQLITE_BUSY.
    const adapters = new PrismaBetterSqlite3({ url: target.url, timeout: SQLITE_BUSY_TIMEOUT_MS });
    const factory = observedFactory(adapters, failures);
    return { factory, failures, close: () => factory.disposeAll() };
  }
  const pool = openPool(target.url);
  try {
    await pool.query("SELECT 1"); // fail with a clear line before the engine buries the cause
  } catch (error) {
    await pool.end();
    throw new MigrationError(`cannot connect to PostgreSQL at ${hostAndPort(target.url)}: ${errorSummary(error)}`);
  }
  const factory = observedFactory(new PrismaPg(pool), failures, {
    // adapter-pg's executeScript splits scripts on every ";", which breaks function bodies
    // (the AuditEvent trigger's plpgsql). PostgreSQL runs a multi-statement script as one
    // simple-protocol query, as Prisma's native engine does, so send it whole.
    executeScript: async (script: string) => {
      await pool.query(script);
    },
  });
  return {
    factory,
    failures,
    close: async () => {
      await factory.disposeAll();
      await pool.end();
    },
  };
}

function prepareSqliteFile(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    try {
      // WAL is a property of the file: set once here, every later connection gets it.
      if (db.pragma("journal_mode", { simple: true }) !== "wal") db.pragma("journal_mode = WAL");
    } finally {
      db.close();
    }
  } catch (error) {
    throw new MigrationError(`cannot open SQLite database ${file}: ${errorSummary(error)}`);
  }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL specifics

/** A pool whose connections report `"char"` columns as text. */
function openPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 10_000, Client: CharAsTextClient });
  pool.on("error", () => {}); // an idle client dropped by the server must not crash the process
  return pool;
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * The engine's catalog queries return the internal `"char"` type (e.g. pg_class.relkind),
 * which adapter-pg cannot map ("Column type 'char' could not be deserialized"). Its values
 * arrive as one-character strings anyway, so reporting them as text is exact. Only the
 * migration pools use this client; the app's pg type handling is untouched.
 */
class CharAsTextClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      const callback = args.at(-1);
      if (typeof callback === "function") {
        args[args.length - 1] = (error: unknown, result: unknown) => callback(error, error ? result : charAsText(result));
        return query(...args);
      }
      const out = query(...args);
      return out instanceof Promise ? out.then(charAsText) : out;
    }) as typeof this.query;
  }
}

function charAsText<T>(result: T): T {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of (one as pg.QueryResult | undefined)?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    }
  }
  return result;
}

function hostAndPort(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "5432"}`;
}

// ---------------------------------------------------------------------------------------
// Adapter wrapping

/** The engine reports adapter failures only as "external connector error"; keep the cause. */
type FailureLog = { last?: unknown };
type AdapterOverrides = Partial<Pick<SqlDriverAdapter, "executeScript">>;

/**
 * Hands the engine adapters that record failures, and remembers them: the engine does not
 * dispose them when freed, and an open SQLite connection would keep the file locked.
 */
function observedFactory(
  factory: SqlMigrationAwareDriverAdapterFactory,
  failures: FailureLog,
  overrides: AdapterOverrides = {},
): SqlMigrationAwareDriverAdapterFactory & { disposeAll(): Promise<void> } {
  const opened: SqlDriverAdapter[] = [];
  const remember = (adapter: SqlDriverAdapter) => {
    opened.push(adapter);
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => observed(remember(await factory.connect()), failures, overrides),
    connectToShadowDb: async () => observed(remember(await factory.connectToShadowDb()), failures),
    disposeAll: async () => {
      await Promise.allSettled(opened.splice(0).map((adapter) => adapter.dispose()));
    },
  };
}

/** Proxies an adapter (or its transactions) so every failing call is recorded in `failures`. */
function observed<T extends object>(target: T, failures: FailureLog, overrides: object = {}): T {
  return new Proxy(target, {
    get(object, property) {
      const overridden = Object.hasOwn(overrides, property);
      const value: unknown = Reflect.get(overridden ? overrides : object, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const record = (error: unknown) => {
          failures.last = error;
          throw error;
        };
        const succeeded = <R>(result: R): R =>
          property === "startTransaction" && result && typeof result === "object" ? (observed(result, failures) as R) : result;
        try {
          // Called on the real object: the adapters keep state in private (#) fields.
          const result: unknown = value.apply(overridden ? overrides : object, args);
          return result instanceof Promise ? result.then(succeeded, record) : succeeded(result);
        } catch (error) {
          return record(error);
        }
      };
    },
  });
}

// ---------------------------------------------------------------------------------------
// Errors

function asMigrationError(error: unknown, action: string, target: DatabaseTarget, failures?: FailureLog): MigrationError {
  if (error instanceof MigrationError) return error;
  const where = target.provider === "sqlite" ? target.file : hostAndPort(target.url);
  const panic = panicRegistry.message;
  panicRegistry.message = "";
  const cause = panic
    ? `engine panic: ${firstLine(panic)}`
    : isConnectorError(error) && failures?.last !== undefined
      ? errorSummary(failures.last)
      : errorSummary(error);
  return new MigrationError(`cannot ${action} (${where}): ${cause}`);
}

function errorSummary(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorSummary(error.errors[0]);
  const adapterCause = driverAdapterCause(error);
  if (adapterCause) return adapterCause;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = firstLine(error.message);
    if (typeof code === "string" && !message.includes(code)) return message ? `${code} ${message}` : code;
    return message || error.name;
  }
  return firstLine(String(error));
}

// How the engine reports any failure of the driver adapter, without its cause.
function isConnectorError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "SchemaConnectorError";
}

/** A DriverAdapterError carries the database's own message in `cause`. */
function driverAdapterCause(error: unknown): string | undefined {
  const cause = (error as { cause?: Record<string, unknown> } | null)?.cause;
  if (!cause || typeof cause !== "object" || typeof cause.kind !== "string") return undefined;
  const message = [cause.originalMessage, cause.message, cause.reason, cause.cause].find((m) => typeof m === "string");
  const code = cause.originalCode ?? cause.code;
  return firstLine([code, message ?? cause.kind].filter((part) => typeof part === "string" && part).join(" "));
}

const MAX_LINE = 300;

function firstLine(text: string): string {
  const line =
    text
      .trim()
      .split("\n")
      .map((part) => part.trim())
      .find(Boolean) ?? "";
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
}

// ---------------------------------------------------------------------------------------
// Scratch databases for createMigration

async function withScratchDatabase<T>(provider: Provider, run: (target: DatabaseTarget) => Promise<T>): Promise<T> {
  if (provider === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "keyward-migrate-"));
    const file = join(dir, "scratch.db");
    try {
      return await run({ provider, file, url: `file:${file}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const cluster = await startTempPostgres();
  if (!cluster) {
    throw new MigrationError(
      "cannot create the PostgreSQL migration: no PostgreSQL server binaries found (install postgresql or set PG_BIN)",
    );
  }
  try {
    return await run({ provider, url: cluster.url });
  } finally {
    await cluster.stop();
  }
}
