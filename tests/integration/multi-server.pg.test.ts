import { spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { once } from "node:events";
import { request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getKeyring } from "@/lib/config/keyring";
import { createDb, type Db } from "@/lib/db/client";
import { newTokenRows } from "@/lib/db/token-store";
import type { Scope } from "@/lib/tokens";

import { basicAuth } from "../support/api";
import { findHaproxy, startHaproxy, type Haproxy } from "../support/haproxy";

// Several Keyward servers on one PostgreSQL behind HAProxy behave as one Keyward. Each server is
// tests/support/keyward-server-process.ts: `npm start`'s start-up (migration under the start-up
// lock), REST API and incident sweeper, without the dashboard (which needs a Next.js build).
// Runs in the PostgreSQL pass of `npm test`, on a database of its own in the cluster that
// scripts/with-postgres.ts starts (its servers' sweepers must not touch other test files'
// incidents); without HAProxy installed it fails rather than skip.

const ROOT = join(import.meta.dirname, "../..");
const SERVER_SCRIPT = join(ROOT, "tests/support/keyward-server-process.ts");
const SERVER_NAMES = ["keyward1", "keyward2", "keyward3"];
const LEAK_REPORT_LIMIT = 30;

type ServerProcess = {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  output: () => string;
  lines: (listener: (line: string) => void) => void;
};

const children: ChildProcess[] = [];
const outputs: (() => string)[] = [];

/** Starts a server in its own process group (so afterAll can kill everything it started). */
async function startServer(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, TRUST_PROXY: "1", SWEEP_MS: "300", ...env },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let output = "";
  const listeners: ((line: string) => void)[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop()!;
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    listeners.push((line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  outputs.push(() => `${name}: ${output}`);
  return { name, port, url: `http://127.0.0.1:${port}`, child, output: () => output, lines: (listener) => listeners.push(listener) };
}

function killGroup(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = once(child, "exit");
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // Already gone.
  }
  return exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

type Reply = { status: number; server: string | undefined; body: unknown };

/**
 * One HTTP call (a fresh connection: the load balancer spreads connections, not requests on one).
 * `from` is the local address to call from: every 127.x.y.z is this machine, and HAProxy passes it
 * on in X-Forwarded-For, so the test acts as one client address of its own.
 */
function call(url: string, path: string, options: { token?: string; method?: string; json?: unknown; from?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const req = request(
      `${url}${path}`,
      {
        method: options.method ?? "GET",
        agent: false,
        localAddress: options.from,
        headers: {
          ...(options.token ? { authorization: basicAuth(options.token) } : {}),
          ...(body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON (an HAProxy error page): kept as text.
          }
          resolve({ status: res.statusCode!, server: res.headers["x-keyward-server"] as string | undefined, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

// The SQLite pass of `npm test` has no PostgreSQL to share: this file is the PostgreSQL pass's.
describe("several Keyward servers on one PostgreSQL behind HAProxy", () => {
  const databaseName = `keyward_multi_${randomInt(1e9)}`;
  let cluster: pg.Client;
  let db: Db;
  let servers: ServerProcess[] = [];
  let haproxy: Haproxy;
  let org: { id: string; slug: string };
  let admin: { id: string; email: string };

  /** A token written straight to this test's database, created by the org's admin. */
  async function insertToken(settings: { quotaMax?: number; scopes?: Scope[]; name?: string } = {}) {
    const rows = newTokenRows(getKeyring(), {
      orgId: org.id,
      name: settings.name ?? "test token",
      scopes: settings.scopes ?? [],
      visibility: "ORGANIZATION",
      quotaMax: settings.quotaMax ?? 1000,
      quotaWindow: "MONTHLY",
      expiresAt: null,
      createdById: admin.id,
    });
    await db.apiToken.create({ data: rows.token });
    await db.apiTokenValue.create({ data: rows.value });
    return { tokenId: rows.token.id, value: rows.plaintext };
  }

  beforeAll(async () => {
    const binary = findHaproxy();
    if (!binary) throw new Error("HAProxy is not installed (apt-get install haproxy): the multi-server test needs it and does not skip");
    cluster = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await cluster.connect();
    await cluster.query(`CREATE DATABASE "${databaseName}"`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${databaseName}`;
    // Started together on the empty database: each runs `npm start`'s migration step.
    servers = await Promise.all(SERVER_NAMES.map((name) => startServer(name, { DATABASE_URL: url.toString() })));
    db = createDb({ provider: "postgresql", url: url.toString() });
    haproxy = await startHaproxy(binary, {
      port: await freePort(),
      statsPort: await freePort(),
      servers: servers.map(({ name, port }) => ({ name, port })),
    });
    await waitFor(
      async () => Object.values(await haproxy.serverStates()).filter((state) => state === "UP").length === servers.length,
      "every server UP in HAProxy",
    );
    org = await db.org.create({ data: { slug: "multi", name: "Multi" } });
    admin = await db.user.create({ data: { email: "admin@multi.test", name: "Admin" } });
    await db.membership.create({ data: { orgId: org.id, userId: admin.id, role: "ADMIN" } });
  });

  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all(children.map(killGroup));
    await db?.$disconnect();
    await cluster?.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`).catch(() => {});
    await cluster?.end();
  });

  it("servers started together on an empty database: the first migrates, the others wait for it, and all serve", async () => {
    const applied = servers.map((server) => Number(/^applied (\d+)$/m.exec(server.output())![1]));
    expect(applied.filter((count) => count > 0)).toHaveLength(1);
    expect(applied.filter((count) => count === 0)).toHaveLength(SERVER_NAMES.length - 1);
    const token = await insertToken();
    for (const server of servers) expect((await call(server.url, "/v0/quota", { token: token.value })).status).toBe(200);
  });

  it("charges a quota of N exactly once for 10×N concurrent calls spread over the servers", async () => {
    const quota = 30;
    const token = await insertToken({ quotaMax: quota });
    // Every server has the token cached (quota calls cost nothing), so all of them race for the units.
    for (const server of servers) expect((await call(server.url, "/v0/quota", { token: token.value })).status).toBe(200);
    const replies = await Promise.all(
      Array.from({ length: quota * 10 }, () => call(haproxy.url, "/v0/organizations", { token: token.value })),
    );
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(quota);
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(quota * 9);
    expect(new Set(replies.map((reply) => reply.server))).toEqual(new Set(SERVER_NAMES));
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).quotaRemaining).toBe(0);
  });

  it("refuses a token revoked through one server on every server's next request", async () => {
    const token = await insertToken({ scopes: ["report:read"] });
    const manager = await insertToken({ scopes: ["api-tokens", "report:read"] });
    // Every server has the token cached as valid.
    for (const server of servers) expect((await call(server.url, "/v0/quota", { token: token.value })).status).toBe(200);
    const revoked = await call(servers[0]!.url, `/v0/orgs/${org.slug}/tokens/${token.tokenId}/revoke`, {
      token: manager.value,
      method: "POST",
      json: {},
    });
    expect(revoked.status).toBe(200);
    for (const server of servers) expect((await call(server.url, "/v0/quota", { token: token.value })).status).toBe(401);
    expect((await call(haproxy.url, "/v0/quota", { token: token.value })).status).toBe(401);
  });

  it(`holds the leaked-token report limit (${LEAK_REPORT_LIMIT} a minute per address) across servers`, async () => {
    // A fixed one-minute window: start in a fresh one when this one is nearly over.
    const leftInWindow = 60_000 - (Date.now() % 60_000);
    if (leftInWindow < 15_000) await new Promise((resolve) => setTimeout(resolve, leftInWindow));
    const window = Math.floor(Date.now() / 60_000);
    const from = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const report = () => call(haproxy.url, "/v0/leaked-tokens", { method: "POST", json: [], from });
    const replies = await Promise.all(Array.from({ length: LEAK_REPORT_LIMIT * 2 }, report));
    expect(Math.floor(Date.now() / 60_000), "the reports crossed a minute boundary").toBe(window);
    expect(replies.filter((reply) => reply.status === 202)).toHaveLength(LEAK_REPORT_LIMIT);
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(LEAK_REPORT_LIMIT);
    expect(new Set(replies.filter((reply) => reply.status === 202).map((reply) => reply.server)).size).toBeGreaterThan(1);
  });

  it("loses no acknowledged charge when a server is killed with kill -9 mid-load, and the others keep answering", async () => {
    const quota = 100_000;
    const token = await insertToken({ quotaMax: quota });
    const victim = servers[2]!;
    let acknowledged = 0;
    let failed = 0;
    const failures: string[] = [];
    const load = async (count: number) => {
      const replies = await Promise.allSettled(
        Array.from({ length: count }, () => call(haproxy.url, "/v0/organizations", { token: token.value })),
      );
      for (const reply of replies) {
        if (reply.status === "fulfilled" && reply.value.status === 200) acknowledged++;
        else {
          failed++;
          failures.push(
            reply.status === "fulfilled" ? `${reply.value.status} ${JSON.stringify(reply.value.body).slice(0, 200)}` : String(reply.reason),
          );
        }
      }
    };
    // Calls in flight on every server while one of them dies.
    const during = load(300);
    await waitFor(
      async () => acknowledged > 0 || (await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).quotaRemaining < quota - 20,
      "load under way",
    );
    await killGroup(victim.child);
    await during;
    const charged = async () => quota - (await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).quotaRemaining;
    // Every acknowledged call was charged; at most the calls cut off with the server were charged unanswered.
    expect(await charged()).toBeGreaterThanOrEqual(acknowledged);
    expect(await charged()).toBeLessThanOrEqual(acknowledged + failed);

    // Once HAProxy's health check has taken it out, every call is answered by the others.
    await waitFor(async () => (await haproxy.serverStates())[victim.name] === "DOWN", `${victim.name} DOWN in HAProxy`);
    const before = { acknowledged, failed };
    await load(150);
    expect(failed, `failures after the kill: ${failures.slice(before.failed, before.failed + 3).join(" | ")}`).toBe(before.failed);
    expect(acknowledged).toBe(before.acknowledged + 150);
    expect(await charged()).toBeLessThanOrEqual(acknowledged + failed);
    expect(await charged()).toBeGreaterThanOrEqual(acknowledged);
  });

  it("finishes a bulk rotation on another server when the server running it is killed", async () => {
    const count = 30;
    const keyring = getKeyring();
    const rows = Array.from({ length: count }, (_, i) =>
      newTokenRows(keyring, {
        orgId: org.id,
        name: `bulk-${i}`,
        scopes: [],
        visibility: "ORGANIZATION",
        quotaMax: 1000,
        quotaWindow: "MONTHLY",
        expiresAt: null,
        createdById: null,
      }),
    );
    await db.apiToken.createMany({ data: rows.map((row) => row.token) });
    await db.apiTokenValue.createMany({ data: rows.map((row) => row.value) });
    // The rows the dashboard's "Start" writes (lib/db/incidents.ts createIncident), then the run.
    const { id: incidentId } = await db.incident.create({
      data: { orgId: org.id, createdById: admin.id, createdByLabel: admin.email, action: "ROTATE", graceSeconds: 3600, total: count },
    });
    await db.incidentItem.createMany({ data: rows.map((row) => ({ incidentId, tokenId: row.token.id })) });

    // The first server starts the run (as the dashboard's "Start" does) and is killed after its first batch.
    const runner = servers[0]!;
    const firstBatch = new Promise<void>((resolve, reject) =>
      runner.lines((line) => {
        if (line.startsWith("progress ")) resolve();
        if (line.startsWith("result ")) reject(new Error(`the run ended before its first batch: ${line}`));
      }),
    );
    // A lease long enough for a batch on a busy machine, short enough that the takeover comes soon.
    runner.child.stdin!.write(`run-incident ${incidentId} ${admin.id} ${admin.email} 3000 5\n`);
    await firstBatch;
    await killGroup(runner.child);
    const afterKill = await db.incidentItem.count({ where: { incidentId, state: "DONE" } });
    expect(afterKill).toBe(5);

    // Another server's sweeper takes the run over once the dead runner's lease has lapsed.
    await waitFor(
      async () => (await db.incident.findUniqueOrThrow({ where: { id: incidentId } })).status === "COMPLETED",
      "the incident COMPLETED",
    );
    expect(await db.incidentItem.count({ where: { incidentId, state: "DONE" } })).toBe(count);
    const tokenIds = rows.map((row) => row.token.id);
    // Every token rotated exactly once: its first value in grace, one new current value.
    const values = await db.apiTokenValue.groupBy({ by: ["tokenId"], where: { tokenId: { in: tokenIds } }, _count: { _all: true } });
    expect(values.map((group) => group._count._all)).toEqual(Array(count).fill(2));
    const rotations = await db.auditEvent.count({ where: { orgId: org.id, action: "token.rotated", metadata: { contains: incidentId } } });
    expect(rotations).toBe(count);
    const resumed = await db.auditEvent.findMany({ where: { orgId: org.id, action: "incident.resumed" } });
    expect(resumed).toHaveLength(1);
    const resumedBy = servers.slice(1).filter((server) => server.output().includes(`resumed and finished bulk operation ${incidentId}`));
    expect(resumedBy).toHaveLength(1);
  });
});

function serverOutputs(): string {
  return outputs.map((output) => output().slice(-1500)).join("\n---\n");
}

/** Polls a condition (at most 30 s) for something that happens in another process. */
async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${serverOutputs()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
