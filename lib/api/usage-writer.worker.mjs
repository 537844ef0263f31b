// The SQLite usage writer thread (see store-sqlite.ts): inserts batches of UsageEvent rows and
// the statements that go with them (the usage rollups) in one transaction each, on a connection
// of its own, so the request thread never waits for these writes. Plain JavaScript: a worker
// thread does not get the TypeScript loader the main thread runs under.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const db = new Database(workerData.file, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
db.pragma(`synchronous = ${workerData.synchronous}`);
const insertRow = db.prepare(workerData.insertSql);
const prepared = new Map();
const statement = (sql) => {
  let found = prepared.get(sql);
  if (!found) {
    found = db.prepare(sql);
    // Rollup statements vary with the batch's shape; keep the cache bounded.
    if (prepared.size > 500) prepared.clear();
    prepared.set(sql, found);
  }
  return found;
};
// Counted after every transaction, and waiters woken: a charge on the request thread that found the
// lock taken retries the moment it is free (store-sqlite.ts, WriterReleases).
const releases = workerData.releases;
const released = () => {
  Atomics.add(releases, 0, 1);
  Atomics.notify(releases, 0);
};
const writeBatch = db.transaction((rows, statements) => {
  // Each row is an array of the INSERT's values, in column order.
  for (const row of rows) insertRow.run(row);
  for (const { sql, params } of statements) statement(sql).run(...params);
});

// The request thread's quota charges need the same write lock: each transaction here is kept to
// a few milliseconds (one chunk of a batch), with a pause between chunks that lets them in.
const pause = () => new Promise((resolve) => setTimeout(resolve, workerData.pauseMs));
let queue = Promise.resolve();

parentPort.on("message", (message) => {
  queue = queue.then(async () => {
    if (message.type === "close") {
      db.close();
      parentPort.close();
      return;
    }
    // Transactions committed so far: on a failure the request thread retries only the rest.
    let committed = 0;
    try {
      for (let index = 0; index < message.chunks.length; index++) {
        if (index > 0) await pause();
        const chunk = message.chunks[index];
        try {
          writeBatch.immediate(chunk.rows, chunk.statements);
        } finally {
          released();
        }
        committed++;
      }
      parentPort.postMessage({ id: message.id, ok: true });
    } catch (error) {
      parentPort.postMessage({
        id: message.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        code: error?.code ?? null,
        committed,
      });
    }
  });
});
