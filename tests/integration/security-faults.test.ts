import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createApiStore } from "@/lib/api/create-store";
import { createApiHandler } from "@/lib/api/handler";
import type { ApiStore } from "@/lib/api/store";
import { getKeyring } from "@/lib/config/keyring";
import { createDb, databaseProvider, db, type Db } from "@/lib/db/client";
import { resolveDatabaseTarget, type DatabaseTarget } from "@/lib/db/database-url";
import { applyMigrations } from "@/lib/db/migrate";
import { updateToken, type TokenActor } from "@/lib/db/token-mutations";
import { newTokenRows } from "@/lib/db/token-store";
import { hashTokenValue, type Scope } from "@/lib/tokens";

import { privateDatabase } from "../security/private-db";
import { callApi, insertToken } from "../support/api";
import { spawnApiProcess, type ApiProcess } from "../support/api-processes";
import { createTestOrg } from "../support/request-as";

// Concurrency and faults, bounded in count and time, loopback only: concurrent rotations from two
// processes, kill -9 under load, a database locked longer than anyone waits, a full disk, and two
// API processes writing beside the dashboard. (The two-process quota race is in
// api-processes.test.ts; the e2e suite repeats the load test with two full production servers.)

const API_TOKENS_SCOPES: Scope[] = ["api-tokens", "report"];

let org: { id: string; slug: string };
let dashboard: TokenActor;

beforeAll(async () => {
  const created = await createTestOrg("faults");
  org = created.org;
  dashboard = { kind: "user", userId: created.admin.id, label: created.admin.email, ip: null, userAgent: null };
});

/** An API handler on a plain HTTP server against the given database (a private one, for faults). */
async function apiServerOn(target: DatabaseTarget): Promise<{ url: string; store: ApiStore; errors: string[]; close(): Promise<void> }> {
  const store = createApiStore(target);
  const errors: string[] = [];
  const handler = createApiHandler({ store, trustedProxyHops: 0, log: (message, error) => errors.push(`${message}: ${String(error)}`) });
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    errors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.flush().catch(() => {});
      await store.close();
    },
  };
}

/** A token written with the given client (a private database's), returning its value. */
async function tokenIn(client: Db, orgId: string, quotaMax = 1_000_000) {
  const rows = newTokenRows(getKeyring(), {
    orgId,
    name: "fault token",
    scopes: API_TOKENS_SCOPES,
    visibility: "ADMIN_ONLY",
    quotaMax,
    quotaWindow: "MONTHLY",
    expiresAt: null,
    createdById: null,
  });
  await client.apiToken.create({ data: rows.token });
  await client.apiTokenValue.create({ data: rows.value });
  return { tokenId: rows.token.id, value: rows.plaintext };
}

describe("two processes rotating the same token at once", () => {
  let a: ApiProcess;
  let b: ApiProcess;
  beforeAll(async () => {
    [a, b] = await Promise.all([spawnApiProcess(), spawnApiProcess()]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it.each([0, 3600])("with %i s of grace: every rotation is one audited version step, and exactly one value is current", async (grace) => {
    // The manager must hold every scope of the token it rotates.
    const manager = await insertToken(org.id, { scopes: API_TOKENS_SCOPES, quotaMax: 100_000 });
    const target = await insertToken(org.id, { scopes: ["report:read"] });
    const rotations = 24;
    const responses = await Promise.all(
      Array.from({ length: rotations }, (_, i) =>
        callApi(i % 2 === 0 ? a.url : b.url, `/v0/orgs/${org.slug}/tokens/${target.tokenId}/rotate`, {
          token: manager.value,
          method: "POST",
          json: { grace_seconds: grace },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    // A rotation that lost the race is a conflict (409), never a 5xx or a second live value.
    expect(
      statuses.every((s) => s === 200 || s === 409),
      statuses.join(","),
    ).toBe(true);
    const won = responses.filter((r) => r.status === 200);
    expect(won.length).toBeGreaterThan(0);

    const token = await db.apiToken.findUniqueOrThrow({ where: { id: target.tokenId } });
    expect(token.version).toBe(1 + won.length);
    expect(await db.auditEvent.count({ where: { targetId: target.tokenId, action: "token.rotated" } })).toBe(won.length);
    const values = await db.apiTokenValue.findMany({
      where: { tokenId: target.tokenId },
      select: { hash: true, validUntil: true, ciphertext: true },
    });
    expect(values).toHaveLength(1 + won.length);
    const current = values.filter((v) => v.validUntil === null);
    expect(current).toHaveLength(1);
    // The current value is one a caller was given, and the only one that can still be revealed.
    expect(won.map((r) => hashTokenValue(r.body.token))).toContain(current[0]!.hash);
    expect(values.filter((v) => v.ciphertext !== null)).toHaveLength(1);
    const now = Date.now();
    const live = values.filter((v) => v.validUntil === null || v.validUntil.getTime() > now);
    if (grace === 0) expect(live).toHaveLength(1);
    else expect(live.every((v) => v.validUntil === null || v.validUntil.getTime() <= now + grace * 1000 + 5_000)).toBe(true);
  });
});

describe("kill -9 under API load", () => {
  it("every acknowledged charge and every acknowledged token creation (with its audit event) survives", async () => {
    const server = await spawnApiProcess();
    const quotaMax = 100_000;
    const caller = await insertToken(org.id, { scopes: API_TOKENS_SCOPES, quotaMax });
    let acknowledgedCost = 0;
    let sent = 0;
    const created: string[] = [];
    let stop = false;
    const worker = async (id: number) => {
      for (let i = 0; !stop; i++) {
        sent++;
        try {
          if ((i + id) % 5 === 0) {
            const response = await callApi(server.url, `/v0/orgs/${org.slug}/tokens`, {
              token: caller.value,
              method: "POST",
              json: { name: `kill-9 ${id}-${i}`, scopes: ["report:read"] },
            });
            if (response.status === 200) {
              created.push(response.body.group_uuid);
              acknowledgedCost += 10;
            }
          } else {
            const response = await callApi(server.url, "/v0/organizations", { token: caller.value });
            if (response.status === 200) acknowledgedCost += 1;
          }
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));
    // Kill once there is real traffic to lose (not after a fixed time: a loaded machine is slow).
    for (const deadline = Date.now() + 45_000; (acknowledgedCost < 200 || created.length < 5) && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await server.stop("SIGKILL");
    stop = true;
    await load;

    expect(acknowledgedCost).toBeGreaterThanOrEqual(200);
    expect(created.length).toBeGreaterThanOrEqual(5);
    const token = await db.apiToken.findUniqueOrThrow({ where: { id: caller.tokenId } });
    const charged = quotaMax - token.quotaRemaining;
    // Every answered charge was committed; at most the calls in flight at the kill were charged unanswered.
    expect(charged).toBeGreaterThanOrEqual(acknowledgedCost);
    expect(charged).toBeLessThanOrEqual(acknowledgedCost + 8 * 10);
    expect(await db.apiToken.count({ where: { id: { in: created } } })).toBe(created.length);
    expect(await db.auditEvent.count({ where: { targetId: { in: created }, action: "token.created", actorTokenId: caller.tokenId } })).toBe(
      created.length,
    );
    expect(sent).toBeGreaterThan(acknowledgedCost / 10);
    if (databaseProvider === "sqlite") {
      const rows = await db.$queryRawUnsafe<{ integrity_check: string }[]>("PRAGMA integrity_check");
      expect(rows[0]?.integrity_check).toBe("ok");
    }
    // A new process on the same database serves the same token, from the charged balance.
    const restarted = await spawnApiProcess();
    try {
      const quota = await callApi(restarted.url, "/v0/quota", { token: caller.value });
      expect(quota.status).toBe(200);
      expect(quota.body.quota).toBe(quotaMax - charged);
    } finally {
      await restarted.stop();
    }
  });
});

describe("a database locked longer than anyone waits", () => {
  let database: Awaited<ReturnType<typeof privateDatabase>>;
  beforeAll(async () => {
    database = await privateDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** Takes the write lock (SQLite) or an exclusive table lock (PostgreSQL) from another connection until release(). */
  async function holdLock(): Promise<{ release(): Promise<void> }> {
    if (database.target.provider === "sqlite") {
      const other = new Database(database.target.file);
      other.exec("BEGIN EXCLUSIVE");
      return {
        release: async () => {
          other.exec("ROLLBACK");
          other.close();
        },
      };
    }
    const other = new pg.Client({ connectionString: database.url });
    other.on("error", () => {}); // dropped with the private database if a failure left it open
    await other.connect();
    await other.query("BEGIN");
    await other.query(`LOCK TABLE "ApiToken" IN ACCESS EXCLUSIVE MODE`);
    return {
      release: async () => {
        await other.query("ROLLBACK");
        await other.end();
      },
    };
  }

  it("the API answers 503 with Retry-After while locked, and 200 again once the lock is gone", async () => {
    const orgRow = await database.db.org.create({ data: { slug: `lock-${randomUUID().slice(0, 8)}`, name: "Lock" } });
    const token = await tokenIn(database.db, orgRow.id);
    const server = await apiServerOn(database.target);
    try {
      expect((await callApi(server.url, "/v0/quota", { token: token.value })).status).toBe(200);
      const lock = await holdLock();
      let locked: Awaited<ReturnType<typeof callApi>>[];
      try {
        locked = await Promise.all([
          callApi(server.url, "/v0/quota", { token: token.value }),
          callApi(server.url, "/v0/organizations", { token: token.value }),
        ]);
      } finally {
        await lock.release();
      }
      for (const response of locked) {
        expect(response.status, JSON.stringify(response.body)).toBe(503);
        expect(response.headers.get("retry-after")).toBe("1");
        expect(response.body).toEqual({ error: { message: expect.stringMatching(/busy|unavailable/i), details: null } });
      }
      expect((await callApi(server.url, "/v0/organizations", { token: token.value })).status).toBe(200);
      // Nothing was charged for the refused calls.
      const after = await database.db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } });
      expect(after.quotaMax - after.quotaRemaining).toBe(1);
      expect(server.errors.join("\n")).not.toMatch(/SQLITE_BUSY/);
    } finally {
      await server.close();
    }
  });
});

// Mounting a tmpfs needs root. CI runs as root, so there the test always runs (and fails loudly
// if the mount does); elsewhere it is skipped with the reason in its name.
const CAN_MOUNT = process.platform === "linux" && process.getuid?.() === 0;
const MUST_RUN = CAN_MOUNT || Boolean(process.env.CI);

/** A tmpfs of sizeKb (a real full disk) at a fresh directory. */
function mountTinyDisk(sizeKb: number): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), "keyward-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not mount a ${sizeKb} KiB tmpfs (needs root): ${String(error)}`);
  }
  return {
    dir,
    unmount() {
      execFileSync("umount", ["-l", dir], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes filler files until the file system refuses; returns them. */
function fillDisk(dir: string): string[] {
  const chunk = Buffer.alloc(16 * 1024, 1);
  const files: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const file = join(dir, `filler-${i}`);
    try {
      writeFileSync(file, chunk);
      files.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOSPC") {
        // The last write may have taken a partial block: the disk is full to the byte.
        return files;
      }
      throw error;
    }
  }
  throw new Error("the disk never filled up");
}

// The full disk is SQLite's own file system; PostgreSQL's runs are not asked to repeat it (the
// case would test the same SQLite file again), so it is only declared there, not skipped.
if (databaseProvider === "sqlite") {
  describe("a full disk (SQLite on a tiny tmpfs)", () => {
    it.skipIf(!MUST_RUN)(
      `the API answers 503 while nothing can be written, loses no acknowledged charge, and recovers when space is freed${MUST_RUN ? "" : " (skipped: mounting a tmpfs needs root; CI runs it as root)"}`,
      async () => {
        const disk = mountTinyDisk(8 * 1024);
        try {
          const file = join(disk.dir, "keyward.db");
          const target = resolveDatabaseTarget(`file:${file}`);
          await applyMigrations(target);
          const client = createDb(target);
          const orgRow = await client.org.create({ data: { slug: "full", name: "Full" } });
          const token = await tokenIn(client, orgRow.id);
          await client.$disconnect();
          const server = await apiServerOn(target);
          try {
            let acknowledged = 0;
            const call = async (headers: Record<string, string> = {}) => {
              const response = await callApi(server.url, "/v0/organizations", { token: token.value, headers });
              if (response.status === 200) acknowledged++;
              return response;
            };
            expect((await call()).status).toBe(200);

            const fillers = fillDisk(disk.dir);
            // Calls until the store can no longer write (usage rows with long user agents use up
            // whatever room the WAL still had); each is 200 or a clean 503, nothing else.
            const statuses: number[] = [];
            for (let i = 0; i < 2_000 && statuses.filter((s) => s === 503).length < 3; i++) {
              const response = await call({ "user-agent": `ua-${i}-${"x".repeat(400)}` });
              statuses.push(response.status);
              if (response.status === 503) {
                expect(response.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
                expect(response.body).toEqual({ error: { message: expect.stringMatching(/unavailable|busy/i), details: null } });
                expect(JSON.stringify(response.body)).not.toMatch(/SQLITE|at .*\.ts/);
              }
            }
            expect(
              statuses.filter((s) => s !== 200 && s !== 503),
              statuses.join(","),
            ).toEqual([]);
            expect(statuses).toContain(503);

            for (const file of fillers) rmSync(file);
            // Recovers as soon as there is room again (bounded wait: a loaded machine is slow).
            let recovered = false;
            for (let i = 0; i < 50 && !recovered; i++) {
              recovered = (await call()).status === 200;
              if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
            }
            expect(recovered).toBe(true);
            await server.close();
            const check = new Database(file, { readonly: true });
            try {
              expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
              const row = check
                .prepare(`SELECT "quotaMax" - "quotaRemaining" AS charged FROM "ApiToken" WHERE "id" = ?`)
                .get(token.tokenId) as { charged: number };
              // Every 200 was charged, and no refused call was.
              expect(row.charged).toBe(acknowledged);
            } finally {
              check.close();
            }
          } finally {
            await server.close().catch(() => {});
          }
        } finally {
          disk.unmount();
        }
      },
    );
  });
}

describe("two API processes writing beside the dashboard", () => {
  it("no request fails and no SQLITE_BUSY reaches a client or the log", async () => {
    const [a, b] = await Promise.all([spawnApiProcess(), spawnApiProcess()]);
    try {
      const caller = await insertToken(org.id, { scopes: API_TOKENS_SCOPES, quotaMax: 1_000_000 });
      const edited = await insertToken(org.id, { scopes: ["report:read"] });
      const statuses: number[] = [];
      let stop = false;
      const api = async (server: ApiProcess, id: number) => {
        for (let i = 0; i < 120; i++) {
          const response =
            i % 10 === 0
              ? await callApi(server.url, `/v0/orgs/${org.slug}/tokens`, {
                  token: caller.value,
                  method: "POST",
                  json: { name: `busy ${id}-${i}`, scopes: ["report:read"] },
                })
              : await callApi(server.url, "/v0/organizations", { token: caller.value });
          statuses.push(response.status);
        }
      };
      // The dashboard's side: one audited transaction after another on the same file.
      let edits = 0;
      const dashboardEdits = (async () => {
        while (!stop) {
          await updateToken(dashboard, org.id, edited.tokenId, { name: `edited ${edits}` });
          edits++;
          // Prisma's SQLite calls can resolve without an I/O turn; yield so this process's HTTP calls run.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all([api(a, 0), api(a, 1), api(b, 2), api(b, 3)]);
      stop = true;
      await dashboardEdits;
      expect(
        statuses.filter((s) => s !== 200),
        statuses.join(","),
      ).toEqual([]);
      expect(edits).toBeGreaterThan(0);
      expect(await db.auditEvent.count({ where: { targetId: edited.tokenId, action: "token.updated" } })).toBe(edits);
      expect(a.output() + b.output()).not.toMatch(/SQLITE_BUSY|database is locked/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
