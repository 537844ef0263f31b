// Throw-away PostgreSQL clusters: createMigration generates PostgreSQL migrations on one, and the
// tests and scripts/with-postgres.ts run against one. Not test-only, so it lives beside migrate.ts.
// Uses the server binaries of the local PostgreSQL packages; no Docker, no network.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export type TempPostgres = {
  url: string;
  stop(): Promise<void>;
  /** Stops the server but keeps its data (as an outage would); `resume()` starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
};

const PG_ROOT = "/usr/lib/postgresql";
const DB_USER = "keyward";
const DB_NAME = "keyward";
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** The bin directory with initdb and postgres: $PG_BIN, else the highest installed version. */
export function findPostgresBin(): string | null {
  const override = process.env.PG_BIN?.trim();
  if (override) return existsSync(join(override, "initdb")) ? override : null;
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, "bin", "initdb")))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.length > 0 ? join(PG_ROOT, versions[0], "bin") : null;
}

/**
 * Starts a private cluster on a free local port and returns its URL, or null when no
 * PostgreSQL server binaries are installed (the caller reports the skip).
 */
export async function startTempPostgres(): Promise<TempPostgres | null> {
  const bin = findPostgresBin();
  if (!bin) return null;

  const asPostgres = runAsPostgres();
  const root = mkdtempSync(join(tmpdir(), "keyward-pg-"));
  const dataDir = join(root, "data");
  const cluster: Cluster = { root, dataDir };
  live.add(cluster);
  installExitHandlers();
  try {
    if (asPostgres.owner) chownSync(root, asPostgres.owner.uid, asPostgres.owner.gid);
    initCluster(bin, dataDir, asPostgres.prefix);
    const port = await freePort();
    cluster.child = startPostmaster(bin, root, dataDir, port, asPostgres.prefix);
    const adminUrl = `postgresql://${DB_USER}@127.0.0.1:${port}/postgres`;
    await waitUntilAccepting(adminUrl, cluster.child, root);
    await runSql(adminUrl, `CREATE DATABASE "${DB_NAME}"`);
    return {
      url: `postgresql://${DB_USER}@127.0.0.1:${port}/${DB_NAME}`,
      stop: () => stopCluster(cluster),
      async pause() {
        const child = cluster.child;
        if (!child || !isRunning(child)) return;
        signal(postmasterPid(dataDir) ?? child.pid ?? null, "SIGINT");
        // Down means down: the postmaster removes its pid file last, after every backend has gone.
        const stopped = (await exitWithin(child, STOP_TIMEOUT_MS)) && (await pidFileGone(dataDir, STOP_TIMEOUT_MS));
        if (!stopped) throw new Error(`PostgreSQL did not stop within ${STOP_TIMEOUT_MS} ms`);
      },
      async resume() {
        if (cluster.child && isRunning(cluster.child)) return;
        cluster.child = startPostmaster(bin, root, dataDir, port, asPostgres.prefix);
        await waitUntilAccepting(adminUrl, cluster.child, root);
      },
    };
  } catch (error) {
    await stopCluster(cluster);
    throw error;
  }
}

type Cluster = { root: string; dataDir: string; child?: ChildProcess; stopping?: Promise<void> };
const live = new Set<Cluster>();

// PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
function runAsPostgres(): { prefix: string[]; owner?: { uid: number; gid: number } } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { prefix: ["runuser", "-u", "postgres", "--"], owner: { uid, gid } };
}

function command(prefix: string[], program: string, args: string[]): [string, string[]] {
  return prefix.length > 0 ? [prefix[0], [...prefix.slice(1), program, ...args]] : [program, args];
}

function initCluster(bin: string, dataDir: string, prefix: string[]): void {
  const [cmd, args] = command(prefix, join(bin, "initdb"), [
    "-D",
    dataDir,
    "-A",
    "trust",
    "-U",
    DB_USER,
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  try {
    execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], cwd: tmpdir() });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    throw new Error(`initdb failed: ${stderr.split("\n").at(-1) || (error as Error).message}`);
  }
}

function startPostmaster(bin: string, root: string, dataDir: string, port: number, prefix: string[]): ChildProcess {
  const [cmd, args] = command(prefix, join(bin, "postgres"), [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-k",
    root,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "synchronous_commit=off",
  ]);
  // Log to a file rather than a pipe nobody drains (a full pipe would stall the server).
  const log = openSync(join(root, "postgres.log"), "a");
  try {
    return spawn(cmd, args, { stdio: ["ignore", log, log], cwd: tmpdir() });
  } finally {
    closeSync(log);
  }
}

async function waitUntilAccepting(url: string, child: ChildProcess, root: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(child)) {
      throw new Error(`temporary PostgreSQL exited during start-up: ${lastLogLine(root)}`);
    }
    try {
      await runSql(url, "SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`temporary PostgreSQL did not accept connections: ${(error as Error).message}`);
      }
      await sleep(50);
    }
  }
}

function lastLogLine(root: string): string {
  try {
    return readFileSync(join(root, "postgres.log"), "utf8").trim().split("\n").at(-1) ?? "";
  } catch {
    return "(no log)";
  }
}

async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  // Without a listener, a connection error during start-up would be an uncaught 'error' event.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

// The first line of postmaster.pid is the postmaster's pid. As root the spawned process is
// runuser, which would turn our signal into a slower "smart" shutdown, so signal postgres itself.
function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function signal(pid: number | null, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

// Idempotent: a signal handler and the owner may both stop a cluster; both wait for the end.
function stopCluster(cluster: Cluster): Promise<void> {
  cluster.stopping ??= shutDown(cluster);
  return cluster.stopping;
}

async function shutDown(cluster: Cluster): Promise<void> {
  const child = cluster.child;
  if (child && isRunning(child)) {
    signal(postmasterPid(cluster.dataDir) ?? child.pid ?? null, "SIGINT"); // fast shutdown
    if (!(await exitWithin(child, STOP_TIMEOUT_MS))) {
      signal(postmasterPid(cluster.dataDir), "SIGQUIT"); // immediate shutdown
      await exitWithin(child, 2000);
    }
  }
  rmSync(cluster.root, { recursive: true, force: true, maxRetries: 5 });
  live.delete(cluster);
  if (live.size === 0) removeExitHandlers();
}

// No cluster may outlive the process: on a signal, stop cleanly and then let the signal
// take its usual effect; on a plain exit (no chance to wait), shut down immediately.
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function onSignal(sig: NodeJS.Signals): void {
  for (const each of SIGNALS) process.off(each, onSignal); // so the re-raised signal takes effect
  void Promise.allSettled([...live].map(stopCluster)).then(() => process.kill(process.pid, sig));
}

function onExit(): void {
  for (const cluster of live) {
    signal(postmasterPid(cluster.dataDir), "SIGQUIT");
    rmSync(cluster.root, { recursive: true, force: true, maxRetries: 5 });
  }
  live.clear();
}

function installExitHandlers(): void {
  if (process.listeners("exit").includes(onExit)) return;
  for (const sig of SIGNALS) process.on(sig, onSignal);
  process.on("exit", onExit);
}

function removeExitHandlers(): void {
  for (const sig of SIGNALS) process.off(sig, onSignal);
  process.off("exit", onExit);
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onChildExit);
      resolve(false);
    }, ms);
    const onChildExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onChildExit);
  });
}

async function pidFileGone(dataDir: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (existsSync(join(dataDir, "postmaster.pid"))) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
