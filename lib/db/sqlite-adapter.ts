import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from "@prisma/driver-adapter-utils";

// Any write takes SQLite's write lock at once, even one that matches no row.
const TAKE_WRITE_LOCK: SqlQuery = { sql: 'UPDATE "_prisma_migrations" SET "id" = "id" WHERE 0', args: [], argTypes: [] };

/**
 * better-sqlite3 behind Prisma, made safe for concurrent requests in one process and for
 * several processes on one file:
 * - the stock adapter shares one connection, so a query from another request issued while a
 *   transaction is open would run inside that transaction (and be rolled back with it); here
 *   such queries wait until the transaction ends;
 * - transactions take the write lock when they begin (like BEGIN IMMEDIATE), so two processes
 *   wait for each other through the busy timeout instead of failing with SQLITE_BUSY when a
 *   reader tries to become a writer.
 */
export class SerializedSqliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "sqlite" as const;
  readonly adapterName: string;
  readonly #inner: PrismaBetterSqlite3;

  constructor(file: string, busyTimeoutMs = 5_000) {
    this.#inner = new PrismaBetterSqlite3({ url: file, timeout: busyTimeoutMs }, { timestampFormat: "unixepoch-ms" });
    this.adapterName = this.#inner.adapterName;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return serialize(await this.#inner.connect());
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.#inner.connectToShadowDb();
  }
}

function serialize(adapter: SqlDriverAdapter): SqlDriverAdapter {
  let queue: Promise<void> = Promise.resolve();
  let open: Promise<void> | null = null;
  const outsideTransactions = async () => {
    while (open) await open;
  };

  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    getConnectionInfo: adapter.getConnectionInfo?.bind(adapter),
    dispose: () => adapter.dispose(),
    async queryRaw(query) {
      await outsideTransactions();
      return adapter.queryRaw(query);
    },
    async executeRaw(query) {
      await outsideTransactions();
      return adapter.executeRaw(query);
    },
    async executeScript(script) {
      await outsideTransactions();
      return adapter.executeScript(script);
    },
    async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
      const previous = queue;
      let releaseQueue!: () => void;
      queue = new Promise((resolve) => (releaseQueue = resolve));
      await previous;
      let endOpen!: () => void;
      // Set before BEGIN runs, so no outside query can slip into this transaction.
      open = new Promise((resolve) => (endOpen = resolve));
      const finish = () => {
        open = null;
        endOpen();
        releaseQueue();
      };
      let tx: Transaction;
      try {
        tx = await adapter.startTransaction(isolationLevel);
        await tx.executeRaw(TAKE_WRITE_LOCK);
      } catch (error) {
        finish();
        throw error;
      }
      return Object.assign(Object.create(tx) as Transaction, {
        async commit() {
          try {
            await tx.commit();
          } finally {
            finish();
          }
        },
        async rollback() {
          try {
            await tx.rollback();
          } finally {
            finish();
          }
        },
      });
    },
  };
}
