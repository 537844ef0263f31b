import type { Db } from "./client";

// What differs between the two databases Keyward runs on, written once for every hand-written
// statement (the REST API's stores, the usage rollups, the dashboard's usage queries).
// Times: Prisma's SQLite adapter stores DateTime as epoch milliseconds (timestampFormat
// "unixepoch-ms"), so SQLite statements compare integers; PostgreSQL stores `timestamp(3)`
// without zone holding UTC, so times go in as ISO text cast to timestamp(3) (the "Z" is ignored,
// which keeps them UTC) and come out as epoch milliseconds via extract(epoch), which reads a
// zoneless timestamp as UTC — independent of the server's and our time zone.

export type SqlDialect = "sqlite" | "postgresql";
export type SqlStatement = { sql: string; params: unknown[] };
/** How a parameter is typed: PostgreSQL needs the cast, SQLite takes any value. */
export type SqlParamKind = "text" | "int" | "time";

const POSTGRES_CASTS: Record<SqlParamKind, string> = { text: "text", int: "int", time: "timestamp(3)" };

/** Which database a Prisma client talks to: both generated clients share one TypeScript type (see client.ts). */
export function dialectOf(db: Db): SqlDialect {
  const provider = (db as unknown as { _activeProvider?: unknown })._activeProvider;
  if (provider === "sqlite" || provider === "postgresql") return provider;
  throw new Error(`unsupported database provider ${String(provider)}`);
}

/** The placeholder of the `position`th (1-based) parameter: `?` on SQLite, `$n::cast` on PostgreSQL. */
export function placeholder(dialect: SqlDialect, position: number, kind: SqlParamKind): string {
  return dialect === "sqlite" ? "?" : `$${position}::${POSTGRES_CASTS[kind]}`;
}

/** A time (epoch ms) as a parameter value: the integer on SQLite, ISO text on PostgreSQL (placeholder kind "time"). */
export function timeParam(dialect: SqlDialect, ms: number): number | string {
  return dialect === "sqlite" ? ms : new Date(ms).toISOString();
}

/** PostgreSQL: a `timestamp(3)` column or expression as epoch milliseconds (a float8, which pg returns as a number). */
export function pgEpochMs(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}

/** PostgreSQL: a parameter reference (e.g. `$4`) holding ISO text, as a `timestamp(3)`. */
export function pgTimestamp(param: string): string {
  return `${param}::timestamp(3)`;
}

const UNIT_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** A time column truncated to the start of its UTC hour or day, in the column's own type. */
export function truncateTimeSql(dialect: SqlDialect, column: string, unit: "hour" | "day"): string {
  return dialect === "sqlite" ? `(${column} / ${UNIT_MS[unit]}) * ${UNIT_MS[unit]}` : `date_trunc('${unit}', ${column})`;
}

/** The larger of two values: SQLite's two-argument MAX, PostgreSQL's GREATEST. */
export function greatestSql(dialect: SqlDialect, a: string, b: string): string {
  return `${dialect === "sqlite" ? "MAX" : "GREATEST"}(${a}, ${b})`;
}

/**
 * A time read by a raw query, as a Date: epoch ms (number, bigint or digits) from SQLite, a Date
 * or zoneless timestamp text (UTC) from PostgreSQL.
 */
export function dateFromSql(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  return /^\d+$/.test(text) ? new Date(Number(text)) : new Date(text.endsWith("Z") || text.includes("+") ? text : `${text}Z`);
}

/** Collects parameters in order and answers each one's placeholder; times go in as `timeParam` does. */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(readonly dialect: SqlDialect) {}

  add(value: string | number): string {
    this.values.push(value);
    return placeholder(this.dialect, this.values.length, typeof value === "number" ? "int" : "text");
  }

  time(value: Date): string {
    this.values.push(timeParam(this.dialect, value.getTime()));
    return placeholder(this.dialect, this.values.length, "time");
  }
}

/**
 * A Prisma `contains` filter that ignores case on both: SQLite's LIKE already ignores ASCII case;
 * PostgreSQL needs Prisma's insensitive mode, which the SQLite-typed client does not know about.
 */
export function containsIgnoringCase(dialect: SqlDialect, text: string): { contains: string; mode?: "insensitive" } {
  return dialect === "postgresql" ? { contains: text, mode: "insensitive" } : { contains: text };
}
