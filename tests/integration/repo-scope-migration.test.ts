// "repo" used to grant only repo:list and now also writes repositories. The repo_labels migration
// narrows tokens granted "repo" before to repo:list, so upgrading gives no token more power.
// Runs the migration's own statement against a table holding scope strings as Keyward stores them.
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

import { deserializeScopes, expandScopes } from "@/lib/tokens/scopes";

const MIGRATIONS = [
  "prisma/migrations/20261206190412_repo_labels/migration.sql",
  "prisma/postgres/migrations/20261206190412_repo_labels/migration.sql",
];

function scopeRewrite(path: string): string {
  const statement = readFileSync(path, "utf8")
    .replace(/^\s*--.*$/gm, "")
    .split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith('UPDATE "ApiToken"'));
  if (!statement) throw new Error(`${path} has no scope rewrite`);
  return statement;
}

describe("the repo_labels migration's scope rewrite", () => {
  it("is the same statement for SQLite and PostgreSQL", () => {
    expect(scopeRewrite(MIGRATIONS[0])).toBe(scopeRewrite(MIGRATIONS[1]));
  });

  it("turns a stored 'repo' into repo:list and leaves every other scope alone", () => {
    const sqlite = new Database(":memory:");
    sqlite.exec('CREATE TABLE "ApiToken" ("id" TEXT PRIMARY KEY, "scopes" TEXT NOT NULL)');
    const stored: Record<string, string> = {
      only: "repo",
      first: "repo report:list",
      middle: "report repo api-tokens",
      both: "repo repo:list",
      listOnly: "repo:list",
      none: "",
      reportOnly: "report report:read",
    };
    const insert = sqlite.prepare('INSERT INTO "ApiToken" ("id", "scopes") VALUES (?, ?)');
    for (const [id, scopes] of Object.entries(stored)) insert.run(id, scopes);

    sqlite.exec(scopeRewrite(MIGRATIONS[0]));

    const after = Object.fromEntries(
      (sqlite.prepare('SELECT "id", "scopes" FROM "ApiToken"').all() as { id: string; scopes: string }[]).map((row) => [
        row.id,
        row.scopes,
      ]),
    );
    expect(deserializeScopes(after.only)).toEqual(["repo:list"]);
    expect(deserializeScopes(after.first)).toEqual(["report:list", "repo:list"]);
    expect(deserializeScopes(after.middle)).toEqual(["report", "repo:list", "api-tokens"]);
    expect(deserializeScopes(after.both)).toEqual(["repo:list"]);
    expect(after.listOnly).toBe("repo:list");
    expect(after.none).toBe("");
    expect(after.reportOnly).toBe("report report:read");
    // What each token may do now, repository-wise: list, as before the upgrade.
    for (const scopes of Object.values(after))
      expect(expandScopes(deserializeScopes(scopes)).filter((s) => s.startsWith("repo:"))).not.toContain("repo:write");
  });
});
