// `npm run bench:api -- --postgres --servers 1,2,3`: the REST API on PostgreSQL with one, two, three…
// Keyward servers behind HAProxy, against a bare node:http server in the same run.
//
// Starts a temporary PostgreSQL (lib/db/temp-postgres.ts), the demo data and a bench token on it,
// as many API servers as the largest count asked for, and for each count an HAProxy in front of
// that many (tests/support/haproxy.ts, the multi-server test's configuration). Each server is
// tests/support/keyward-server-process.ts: `npm start`'s start-up, REST API and sweeper without the
// dashboard, so no Next.js build per server; the REST hot path is the same code.
// For each setup, on the charged endpoint GET /v0/orgs/{org}/repos:
// - saturation: wrk -t2 -c64 for BENCH_SECONDS (default 15) with its p99;
// - latency at a fixed 1,000 requests/s: hey -c 10 -q 100 -z 10s, p50 / p99;
// - CPU time per request of each party (from /proc: every Keyward server process, PostgreSQL's
//   postmaster and backends, HAProxy, the load generator) and their share of the machine's cores,
//   with the machine's total busy time, so the output says what the limit was.
// Afterwards the quota charged must equal the successful calls recorded.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";

import { generateKeySpec } from "../lib/tokens/encryption";
import { findHaproxy, startHaproxy, type Haproxy } from "../tests/support/haproxy";
import { quotaRemaining, seedBenchToken } from "./bench-token";
import {
  fetchText,
  freePort,
  heyLatency,
  machineBusyMicros,
  OFFERED_RATE,
  postgresMicros,
  processCpuMicros,
  reapedChildrenMicros,
  run,
  settle,
  stop,
  type Latency,
} from "./process-tools";

const ROOT = resolve(import.meta.dirname, "..");
const CONNECTIONS = 64;
const SATURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const CORES = cpus().length;

type Cpu = { keyward: number; postgres: number; haproxy: number; loadGenerator: number; machineBusy: number; wallMicros: number };
type Saturation = { rps: number; requests: number; non2xx: number; p99: number; cpu: Cpu };
type Row = { setup: string; saturation: Saturation; latency: Latency; keyward: boolean };

const log = (line = "") => console.log(line);

export async function runPostgresBench(args: string[]): Promise<void> {
  const counts = serverCounts(args);
  for (const tool of ["wrk", "hey"]) {
    if (spawnSync("which", [tool]).status !== 0) throw new Error(`${tool} is not installed: apt-get install -y wrk hey`);
  }
  const haproxyBinary = findHaproxy();
  if (!haproxyBinary) throw new Error("haproxy is not installed: apt-get install -y haproxy");
  const { startTempPostgres } = await import("../lib/db/temp-postgres");

  log(
    `machine: ${CORES} cores, ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")} load average before the run`,
  );
  const cluster = await startTempPostgres();
  if (!cluster) throw new Error("no PostgreSQL server binaries found (install postgresql, or set PG_BIN)");
  const postgresPort = Number(new URL(cluster.url).port);
  const secrets = { TOKEN_ENCRYPTION_KEYS: generateKeySpec(1), AUTH_SECRET: randomBytes(32).toString("base64url") };
  const servers: { name: string; port: number; child: ChildProcess }[] = [];
  let haproxy: Haproxy | undefined;
  try {
    const largest = Math.max(...counts);
    log(`starting ${largest} Keyward API server process(es) on a temporary PostgreSQL (tests/support/keyward-server-process.ts:`);
    log("  npm start's migration, REST API and sweeper without the dashboard, so no Next.js build per server)…");
    for (let i = 1; i <= largest; i++) {
      // One at a time: the first migrates the empty database, the others find it done.
      servers.push({ name: `keyward${i}`, ...(await startServer({ DATABASE_URL: cluster.url, TRUST_PROXY: "1", ...secrets })) });
    }
    const { token, tokenId, orgSlug, db } = await seedBenchToken(cluster.url, secrets.TOKEN_ENCRYPTION_KEYS, { seedDemo: true });
    const auth = `Basic ${Buffer.from(`${token}:`).toString("base64")}`;
    const path = `/v0/orgs/${orgSlug}/repos`;
    const reposJson = await fetchText(`http://127.0.0.1:${servers[0].port}${path}`, auth);
    const barePort = await freePort();
    const bare = await startProcess(
      ["--import", "tsx", "bench/bare-server.ts"],
      { PORT: String(barePort), BARE_REPOS_JSON: reposJson },
      /listening/,
    );
    const keywardPids = servers.map((server) => server.child.pid!);
    const measure = (pids: number[], haproxyPid?: number) => ({ keywardPids: pids, postgresPort, haproxyPid });

    log("warming up each server…");
    for (const server of servers) wrk(`http://127.0.0.1:${server.port}${path}`, auth, 3, measure([]));
    await settleServers(keywardPids, postgresPort);
    const before = await quotaRemaining(db, tokenId);
    const measuredFrom = new Date();

    const rows: Row[] = [];
    const runSetup = async (setup: string, url: string, keyward: boolean, pids: number[], haproxyPid?: number) => {
      log(`${setup}: wrk ${CONNECTIONS} connections × ${SATURATION_SECONDS} s, then hey at ${OFFERED_RATE}/s × ${RATE_SECONDS} s…`);
      if (keyward) await settleServers(keywardPids, postgresPort);
      const saturation = wrk(`${url}${path}`, auth, SATURATION_SECONDS, measure(pids, haproxyPid));
      if (keyward) await settleServers(keywardPids, postgresPort);
      rows.push({ setup, saturation, latency: heyLatency({ url: `${url}${path}`, auth, seconds: RATE_SECONDS }), keyward });
    };
    await runSetup("bare node:http, direct", `http://127.0.0.1:${barePort}`, false, [bare.pid!]);
    await runSetup("Keyward ×1, direct", `http://127.0.0.1:${servers[0].port}`, true, keywardPids);
    for (const count of counts) {
      haproxy = await startHaproxy(haproxyBinary, {
        port: await freePort(),
        statsPort: await freePort(),
        servers: servers.slice(0, count).map(({ name, port }) => ({ name, port })),
      });
      await waitUntilUp(haproxy, count);
      await runSetup(`Keyward ×${count} via HAProxy`, haproxy.url, true, keywardPids, haproxy.pid);
      await haproxy.stop();
      haproxy = undefined;
    }

    // A graceful stop writes each server's last usage rows; then the database says what was charged.
    await Promise.all(servers.map((server) => stop(server.child)));
    await stop(bare);
    const charged = before - (await quotaRemaining(db, tokenId));
    const recorded = await db.usageEvent.aggregate({
      where: { tokenId, at: { gte: measuredFrom }, status: 200 },
      _count: true,
      _sum: { cost: true },
    });
    await db.$disconnect();

    printResults(rows);
    const keywardRows = rows.filter((row) => row.keyward);
    const seenOk = keywardRows.reduce((sum, row) => sum + row.saturation.requests - row.saturation.non2xx + row.latency.ok, 0);
    const slack = CONNECTIONS * keywardRows.length;
    log();
    log("Quota check (1 unit per call):");
    log(`  charged in PostgreSQL:            ${charged}`);
    log(`  successful calls recorded:        ${recorded._count} (cost ${recorded._sum.cost ?? 0})`);
    log(`  successful calls seen by clients: ${seenOk} (wrk does not count calls in flight when it stops: at most ${slack} fewer)`);
    const exact = charged === (recorded._sum.cost ?? 0) && charged >= seenOk && charged - seenOk <= slack;
    log(`  ${exact ? "OK: the quota charged equals the successful calls" : "MISMATCH between the quota charged and the successful calls"}`);
    if (!exact) process.exitCode = 1;
  } finally {
    await haproxy?.stop();
    for (const server of servers) await stop(server.child);
    await cluster.stop();
  }
}

function serverCounts(args: string[]): number[] {
  const at = args.indexOf("--servers");
  const raw = at >= 0 ? (args[at + 1] ?? "") : "1,2,3";
  const counts = raw.split(",").map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) {
    throw new Error(`--servers takes a list of server counts from 1 to 16, like 1,2,3 (got "${raw}")`);
  }
  return counts;
}

function printResults(rows: Row[]): void {
  const ms = (n: number) => n.toFixed(2);
  const pct = (micros: number, cpu: Cpu) => `${Math.round((100 * micros) / (cpu.wallMicros * CORES))}%`;
  const bareRps = rows[0].saturation.rps;
  log();
  log(`Throughput at saturation (wrk -t2 -c${CONNECTIONS}, ${SATURATION_SECONDS} s) and latency at a fixed 1,000 requests/s (hey):`);
  log(
    `  ${"setup".padEnd(24)} ${"req/s".padStart(7)} ${"ratio".padStart(6)} ${"CPU µs/req".padStart(11)} ${"p99 (ms)".padStart(9)}  ${"1,000/s p50 / p99 (ms)".padStart(22)}  ok/sent`,
  );
  for (const row of rows) {
    const { saturation: s, latency: l } = row;
    // Beside the ratio, the CPU a request costs: the servers' own, plus PostgreSQL's and HAProxy's.
    const cpuPerRequest = Math.round((s.cpu.keyward + s.cpu.postgres + s.cpu.haproxy) / s.requests);
    log(
      `  ${row.setup.padEnd(24)} ${fmt(s.rps).padStart(7)} ${(s.rps / bareRps).toFixed(2).padStart(6)} ${String(cpuPerRequest).padStart(11)} ${ms(s.p99).padStart(9)}  ${`${ms(l.p50)} / ${ms(l.p99)}`.padStart(22)}  ${l.ok}/${l.total}${s.non2xx ? ` (wrk non-2xx: ${s.non2xx})` : ""}`,
    );
  }
  log();
  log(`CPU during the saturation run: µs per request, and share of the machine's ${CORES} cores (from /proc):`);
  log(
    `  ${"setup".padEnd(24)} ${"servers".padStart(13)} ${"PostgreSQL".padStart(13)} ${"HAProxy".padStart(13)} ${"wrk".padStart(13)} ${"machine busy".padStart(13)} ${"others".padStart(7)}`,
  );
  for (const row of rows) {
    const { cpu, requests } = row.saturation;
    const cell = (micros: number) => `${Math.round(micros / requests)} ${pct(micros, cpu)}`.padStart(13);
    const ours = cpu.keyward + cpu.postgres + cpu.haproxy + cpu.loadGenerator;
    log(
      `  ${row.setup.padEnd(24)} ${cell(cpu.keyward)} ${cell(cpu.postgres)} ${cell(cpu.haproxy)} ${cell(cpu.loadGenerator)} ${cell(cpu.machineBusy)} ${pct(Math.max(0, cpu.machineBusy - ours), cpu).padStart(7)}`,
    );
  }
  log('  ("servers" is the bare server in its row and the sum over every Keyward process, threads included, in the others;');
  log('   "others" is the machine\'s busy time not accounted to the processes named here.)');
}

async function startServer(env: Record<string, string>): Promise<{ port: number; child: ChildProcess }> {
  const child = await startProcess(
    ["--max-semi-space-size=64", "--import", "tsx", "tests/support/keyward-server-process.ts"],
    env,
    /^listening \d+$/m,
  );
  return { port: Number(/^listening (\d+)$/m.exec(outputs.get(child) ?? "")![1]), child };
}

async function waitUntilUp(haproxy: Haproxy, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Object.values(await haproxy.serverStates()).filter((state) => state === "UP").length < count) {
    if (Date.now() > deadline) throw new Error("HAProxy did not see every server UP within 30 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Measured = { keywardPids: number[]; postgresPort: number; haproxyPid?: number };

function cpuSnapshot(m: Measured): Omit<Cpu, "wallMicros"> {
  return {
    keyward: m.keywardPids.reduce((sum, pid) => sum + processCpuMicros(pid), 0),
    postgres: postgresMicros(m.postgresPort),
    haproxy: m.haproxyPid ? processCpuMicros(m.haproxyPid) : 0,
    loadGenerator: reapedChildrenMicros(),
    machineBusy: machineBusyMicros(),
  };
}

/**
 * Waits until the servers and PostgreSQL are idle: after a saturation run the usage writers are
 * still writing the backlog, and that CPU must not be billed to the next run.
 */
async function settleServers(keywardPids: number[], postgresPort: number): Promise<void> {
  const waited = await settle(() => keywardPids.reduce((sum, pid) => sum + processCpuMicros(pid), 0) + postgresMicros(postgresPort));
  if (waited > 1_000) log(`  (waited ${(waited / 1000).toFixed(1)} s for the previous run's usage to be written)`);
}

// ---------------------------------------------------------------------------------------
// Load generators

function wrk(url: string, auth: string, seconds: number, measured: Measured): Saturation {
  const before = cpuSnapshot(measured);
  const started = process.hrtime.bigint();
  const out = run("wrk", ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-H", `Authorization: ${auth}`, url], seconds);
  const wallMicros = Number((process.hrtime.bigint() - started) / 1000n);
  const after = cpuSnapshot(measured);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const p99Match = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  if (!Number.isFinite(rps) || !Number.isFinite(requests) || !p99Match) throw new Error(`could not read wrk's output:\n${out}`);
  const p99 = Number(p99Match[1]) * { us: 0.001, ms: 1, s: 1000 }[p99Match[2] as "us" | "ms" | "s"];
  const cpu: Cpu = {
    keyward: after.keyward - before.keyward,
    postgres: after.postgres - before.postgres,
    haproxy: after.haproxy - before.haproxy,
    loadGenerator: after.loadGenerator - before.loadGenerator,
    machineBusy: after.machineBusy - before.machineBusy,
    wallMicros,
  };
  return { rps, requests, non2xx, p99, cpu };
}

// ---------------------------------------------------------------------------------------
// Processes

const outputs = new WeakMap<ChildProcess, string>();

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  outputs.set(child, "");
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start in time:\n${outputs.get(child)}`)), 120_000);
    const onData = (chunk: Buffer) => {
      // Only the start-up output is kept; afterwards the pipe is just drained.
      const output = outputs.get(child)!;
      if (output.length < 100_000) outputs.set(child, output + chunk.toString());
      if (ready.test(outputs.get(child)!)) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code}:\n${outputs.get(child)}`));
    });
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString("en");
