import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";

import { db } from "@/lib/db/client";
import { SerializedSqliteAdapterFactory } from "@/lib/db/sqlite-adapter";

// Every SQL statement the app sends while serving one call, seen where Prisma hands it to the
// database driver (SQLite or PostgreSQL), with the interactive transaction it ran in. Recording
// at the driver, not at Prisma's API, sees every write whatever produced it (a model call, a
// nested write, raw SQL), and the call's async context follows work it leaves running in the
// background (a bulk operation's run). Statements of other calls, fixtures and assertions are
// not in the call's context and are not recorded.

export type Statement = { sql: string; args: unknown[]; transaction: number | null };

type Scope = {
  statements: Statement[];
  /** Runs once, outside the call's context, just before the call's first transaction begins. */
  beforeFirstTransaction?: () => Promise<void>;
  transactionsStarted: number;
};

const scope = new AsyncLocalStorage<Scope>();
let transactionCount = 0;

function record(query: SqlQuery, transaction: number | null): void {
  scope.getStore()?.statements.push({ sql: query.sql, args: [...query.args], transaction });
}

function recordingTransaction(tx: Transaction, id: number): Transaction {
  return new Proxy(tx, {
    get(target, property) {
      if (property === "queryRaw" || property === "executeRaw") {
        return (query: SqlQuery) => {
          record(query, id);
          return target[property](query);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function recordingAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, property) {
      if (property === "queryRaw" || property === "executeRaw") {
        return (query: SqlQuery) => {
          record(query, null);
          return target[property](query);
        };
      }
      if (property === "startTransaction") {
        return async (...args: Parameters<SqlDriverAdapter["startTransaction"]>) => {
          const current = scope.getStore();
          if (current) {
            current.transactionsStarted++;
            const hook = current.beforeFirstTransaction;
            current.beforeFirstTransaction = undefined;
            if (hook) await scope.exit(hook);
          }
          return recordingTransaction(await target.startTransaction(...args), ++transactionCount);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

let installed = false;

/**
 * Puts the recorder between Prisma and the driver of the shared client: both providers' adapter
 * factories hand out recording adapters, and the client reconnects so it takes one.
 */
export async function installStatementLog(): Promise<void> {
  if (installed) return;
  installed = true;
  for (const factory of [SerializedSqliteAdapterFactory.prototype, PrismaPg.prototype]) {
    const connect = factory.connect;
    factory.connect = async function (this: typeof factory) {
      return recordingAdapter(await connect.call(this));
    };
  }
  await db.$disconnect();
}

/** Runs `call` and returns what it answered with the statements it (and anything it started) sent. */
export async function recordStatements<T>(
  call: () => Promise<T>,
  options: { beforeFirstTransaction?: () => Promise<void> } = {},
): Promise<{ result: T; statements: Statement[]; transactionsStarted: () => number }> {
  const store: Scope = { statements: [], transactionsStarted: 0, beforeFirstTransaction: options.beforeFirstTransaction };
  const result = await scope.run(store, call);
  return { result, statements: store.statements, transactionsStarted: () => store.transactionsStarted };
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE)\b/i;
/** lockOrgMemberships: a no-op write that locks the org's row. */
const ORG_LOCK = /^\s*UPDATE\s+"Org"\s+SET\s+"id"\s*=\s*"id"\s+WHERE\s+"id"\s*=\s*(\?|\$1)\s*$/i;
// Prisma quotes names with backticks on SQLite and double quotes on PostgreSQL.
const MEMBERSHIP_READ = /^\s*SELECT\b[\s\S]*\bFROM\s+([`"]\w+[`"]\.)?[`"]Membership[`"]/i;

/**
 * The writes that were not re-checked: made outside a transaction, or in one that had not first
 * locked the org's memberships and then read the caller's membership row of that org (what
 * inPermittedTransaction does). The lock itself is not a change.
 */
export function writesWithoutRoleRecheck(statements: Statement[], caller: { userId: string; orgId: string }): string[] {
  const locked = new Set<number>();
  const checked = new Set<number>();
  const unchecked: string[] = [];
  for (const { sql, args, transaction } of statements) {
    if (transaction !== null && ORG_LOCK.test(sql) && args[0] === caller.orgId) {
      locked.add(transaction);
      continue;
    }
    if (
      transaction !== null &&
      locked.has(transaction) &&
      MEMBERSHIP_READ.test(sql) &&
      args.includes(caller.userId) &&
      args.includes(caller.orgId)
    ) {
      checked.add(transaction);
      continue;
    }
    if (!WRITE.test(sql)) continue;
    if (transaction === null) unchecked.push(`outside any transaction: ${sql}`);
    else if (!checked.has(transaction)) unchecked.push(`in a transaction that did not re-check the caller's role first: ${sql}`);
  }
  return unchecked;
}

export const isWrite = (statement: Statement) => WRITE.test(statement.sql) && !ORG_LOCK.test(statement.sql);
/** A read of the Membership table (the action wrapper's membership check, or the re-check in a transaction). */
export const isMembershipRead = (statement: Statement) => MEMBERSHIP_READ.test(statement.sql);
