import "server-only";
import { databaseProvider } from "../../client";

// Raw SQL in the provider's syntax, for the usage read models.

export const dialect = databaseProvider;

/** Parameters in the provider's syntax: `?` for SQLite, `$n` with a cast for PostgreSQL; times as epoch ms or ISO text. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: string | number): string {
    this.values.push(value);
    if (dialect === "sqlite") return "?";
    return `$${this.values.length}::${typeof value === "number" ? "int" : "text"}`;
  }
  time(value: Date): string {
    if (dialect === "sqlite") {
      this.values.push(value.getTime());
      return "?";
    }
    this.values.push(value.toISOString());
    return `$${this.values.length}::timestamp(3)`;
  }
}

/** A time read by raw SQL: epoch ms (SQLite), a Date or timestamp text (PostgreSQL). */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  return /^\d+$/.test(text) ? new Date(Number(text)) : new Date(text.endsWith("Z") || text.includes("+") ? text : `${text}Z`);
}
