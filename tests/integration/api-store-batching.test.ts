import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createApiStore } from "@/lib/api/create-store";
import { UsageWriteIncomplete, type ApiStore, type RepoQuery, type UsageRow } from "@/lib/api/store";
import { db } from "@/lib/db/client";
import { resolveDatabaseTarget } from "@/lib/db/database-url";

import { createTestOrg } from "../support/request-as";
import { sampleUsageRow } from "../support/usage-rows";

// The SQLite store answers the endpoint reads issued together from one read transaction and
// reads an identical page once for all who asked. Calls issued together here are what a busy
// server sees in one turn: each must still get exactly its own page, never a neighbour's.

let store: ApiStore;
let ours: Awaited<ReturnType<typeof createTestOrg>>;
let theirs: Awaited<ReturnType<typeof createTestOrg>>;

const query = (orgId: string, change: Partial<RepoQuery> = {}): RepoQuery => ({
  orgId,
  sort: "created_at",
  direction: "desc",
  limit: 10,
  offset: 0,
  includeArchived: false,
  workspace: undefined,
  ...change,
});

beforeAll(async () => {
  store = createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL));
  ours = await createTestOrg("batch-ours");
  theirs = await createTestOrg("batch-theirs");
  const base = Date.now() - 3_600_000;
  for (const [index, slug] of ["alpha", "beta", "gamma"].entries()) {
    await db.repo.create({
      data: { orgId: ours.org.id, slug, name: slug, workspace: index === 0 ? "ws" : "", createdAt: new Date(base + index) },
    });
  }
  await db.repo.create({ data: { orgId: theirs.org.id, slug: "secret", name: "secret" } });
});
afterAll(async () => {
  await store.close();
});

describe("repository pages read together", () => {
  it("give each caller its own organization's page, its own filter and its own slice", async () => {
    const [first, other, second, filtered, sliced] = await Promise.all([
      store.listRepos(query(ours.org.id)),
      store.listRepos(query(theirs.org.id)),
      store.listRepos(query(ours.org.id)),
      store.listRepos(query(ours.org.id, { workspace: "ws" })),
      store.listRepos(query(ours.org.id, { offset: 1, limit: 1 })),
    ]);
    expect(first.map((repo) => repo.slug)).toEqual(["gamma", "beta", "alpha"]);
    expect(second).toEqual(first);
    expect(other.map((repo) => repo.slug)).toEqual(["secret"]);
    expect(filtered.map((repo) => repo.slug)).toEqual(["alpha"]);
    expect(sliced.map((repo) => repo.slug)).toEqual(["beta"]);
  });
});

describe("a usage batch that fails part-way", () => {
  // SQLite writes a batch in several transactions (short ones, so charges get the lock between
  // them); PostgreSQL in one. Either way a retry must write each row exactly once.
  it("is retried for exactly what was not written: the rest on SQLite, all of it on PostgreSQL", async () => {
    const tokenId = `partial-${randomUUID()}`;
    const rows: UsageRow[] = Array.from({ length: 60 }, () =>
      sampleUsageRow({ requestId: `partial-${randomUUID()}`, tokenId, orgId: ours.org.id }),
    );
    // 60 rows go in transactions of 25 on SQLite: the third one holds a row the database refuses (route is NOT NULL).
    rows[55] = { ...rows[55], route: null as unknown as string };

    const failure = await store.insertUsage(rows).catch((error: unknown) => error);
    const written = store.provider === "sqlite" ? 50 : 0;
    if (store.provider === "sqlite") expect(failure).toMatchObject({ rowsWritten: 50, refusedWritten: 0 });
    expect(failure instanceof UsageWriteIncomplete).toBe(written > 0);
    expect(failure).toBeInstanceOf(Error);
    expect(await db.usageEvent.count({ where: { tokenId } })).toBe(written);

    // The retry of what was not written, mended, completes the batch: each row once.
    rows[55] = { ...rows[55], route: "/v0/quota" };
    await store.insertUsage(rows.slice(written));
    expect(await db.usageEvent.count({ where: { tokenId } })).toBe(60);
  });
});
