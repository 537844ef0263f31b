import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, expect, test } from "vitest";

import { BackupError, backupSqlite } from "./backup";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("a backup taken while another connection keeps writing opens, passes integrity_check, and holds the rows written before it", async () => {
  dir = mkdtempSync(join(tmpdir(), "keyward-backup-"));
  const file = join(dir, "keyward.db");
  const live = new Database(file);
  live.pragma("journal_mode = WAL");
  live.exec(`CREATE TABLE "UsageEvent" (id INTEGER PRIMARY KEY, route TEXT NOT NULL)`);
  const insert = live.prepare(`INSERT INTO "UsageEvent" (route) VALUES (?)`);
  for (let i = 0; i < 5_000; i++) insert.run(`GET /v0/quota ${i}`);
  // Writes keep arriving while the copy is made (the backup copies in steps between them).
  let writing = true;
  const writer = (async () => {
    while (writing) {
      insert.run("GET /v0/repos");
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const { path } = await backupSqlite(file, join(dir, "backups", "copy.db"));
  writing = false;
  await writer;
  live.close();

  const copy = new Database(path, { readonly: true });
  expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
  const { n } = copy.prepare(`SELECT count(*) AS n FROM "UsageEvent" WHERE route LIKE 'GET /v0/quota %'`).get() as { n: number };
  expect(n).toBe(5_000);
  copy.close();
});

test("a backup never overwrites an existing file", async () => {
  dir = mkdtempSync(join(tmpdir(), "keyward-backup-"));
  const file = join(dir, "keyward.db");
  new Database(file).close();
  await expect(backupSqlite(file, file)).rejects.toThrow(BackupError);
});
