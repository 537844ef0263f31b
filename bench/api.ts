// `npm run bench:api`: the REST API's speed against the limit of this machine.
//
// Starts the production server (scripts/start.ts: build if needed, embedded SQLite, demo data)
// and, in its own process, a bare node:http server answering the same JSON from memory. Then:
// - throughput at saturation with wrk (64 connections, 15 s) on GET /v0/quota (costs nothing),
//   GET /v0/orgs/{org}/repos (charged) and POST /v1/verify (a service verifying the bench token,
//   charged), for both servers, and the ratio;
// - latency at a fixed offered rate of 1,000 requests/s, 10 s, offered two ways: hey (10 workers
//   × 100/s, ticking together: bursts of ten) and open-loop Poisson arrivals (bench/open-loop.ts);
// - afterwards, that the quota charged equals the successful charged calls.
// Loopback only; every load run is bounded in time. Needs `apt-get install wrk hey`.
// With `--postgres [--servers 1,2,3]`: PostgreSQL and several servers behind HAProxy instead
// (bench/api-postgres.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";

import { generateKeySpec } from "../lib/tokens/encryption";
import { runPostgresBench } from "./api-postgres";
import { quotaRemaining, seedBenchService, seedBenchToken } from "./bench-token";
import {
  fetchText,
  freePort,
  heyLatency,
  OFFERED_RATE,
  openLoopLatency,
  processCpuMicros,
  RATE_PER_WORKER,
  RATE_WORKERS,
  run,
  settle,
  stop,
  type Latency,
  type LatencyRun,
} from "./process-tools";

const ROOT = resolve(import.meta.dirname, "..");
const CONNECTIONS = 64;
const SATURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATE_SECONDS = 10;

type Saturation = { rps: number; requests: number; non2xx: number; cpuMicrosPerRequest: number | null };
/** A POST's JSON body, and the wrk script that sends it. */
type Post = { body: string; script: string };

const log = (line = "") => console.log(line);

async function main() {
  for (const tool of ["wrk", "hey"]) {
    if (spawnSync("which", [tool]).status !== 0) throw new Error(`${tool} is not installed: apt-get install -y wrk hey`);
  }
  const [apiPort, barePort] = [await freePort(), await freePort()];
  mkdirSync(join(ROOT, "data"), { recursive: true });
  const dataDir = mkdtempSync(join(ROOT, "data", "bench-"));
  const databaseUrl = `file:${join(dataDir, "keyward.db")}`;
  // Our own keys, so the bench can encrypt its token like the server does.
  const secrets = { TOKEN_ENCRYPTION_KEYS: generateKeySpec(1), AUTH_SECRET: randomBytes(32).toString("base64url") };
  const children: ChildProcess[] = [];
  try {
    log(
      `machine: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(" ")} load average before the run`,
    );
    log("starting the production server (scripts/start.ts; builds into .next-bench when sources changed)…");
    const server = await startProcess(
      // As `npm start` runs it (package.json), young-generation size included.
      ["--max-semi-space-size=64", "--import", "tsx", "scripts/start.ts"],
      {
        PORT: String(apiPort),
        HOST: "127.0.0.1",
        DATABASE_URL: databaseUrl,
        KEYWARD_DATA_DIR: dataDir,
        KEYWARD_DEMO: "1",
        KEYWARD_DIST_DIR: ".next-bench",
        ...secrets,
      },
      /ready on /,
      20 * 60_000,
    );
    children.push(server);

    const { token, tokenId, orgSlug, db } = await seedBenchToken(databaseUrl, secrets.TOKEN_ENCRYPTION_KEYS);
    const api = `http://127.0.0.1:${apiPort}`;
    const auth = `Basic ${Buffer.from(`${token}:`).toString("base64")}`;
    const quotaPath = "/v0/quota";
    const reposPath = `/v0/orgs/${orgSlug}/repos`;
    const verifyPath = "/v1/verify";
    // The bare server answers with exactly the bytes the real one sends.
    const [quotaJson, reposJson] = await Promise.all([quotaPath, reposPath].map((path) => fetchText(`${api}${path}`, auth)));
    // A service verifying the bench token for its scope, 1 unit each (lib/api/verify.ts).
    const serviceAuth = `Bearer ${await seedBenchService(db, tokenId)}`;
    const verifyBody = JSON.stringify({ token, scope: "bench:read", cost: 1 });
    const verifyScript = join(dataDir, "verify.lua");
    writeFileSync(
      verifyScript,
      `wrk.method = "POST"\nwrk.body = ${JSON.stringify(verifyBody)}\nwrk.headers["Content-Type"] = "application/json"\n`,
    );
    const verifyPost: Post = { body: verifyBody, script: verifyScript };
    const verifyJson = await (
      await fetch(`${api}${verifyPath}`, {
        method: "POST",
        headers: { authorization: serviceAuth, "content-type": "application/json" },
        body: JSON.stringify({ token, scope: "bench:read", cost: 0 }),
      })
    ).text();

    const bare = await startProcess(
      ["--import", "tsx", "bench/bare-server.ts"],
      { PORT: String(barePort), BARE_QUOTA_JSON: quotaJson, BARE_REPOS_JSON: reposJson, BARE_VERIFY_JSON: verifyJson },
      /listening/,
      60_000,
    );
    children.push(bare);
    const bareUrl = `http://127.0.0.1:${barePort}`;

    log("warming up…");
    for (const url of [`${api}${quotaPath}`, `${api}${reposPath}`, `${bareUrl}${quotaPath}`]) wrk(url, auth, 3);
    wrk(`${api}${verifyPath}`, serviceAuth, 3, undefined, verifyPost);
    // Calls made before this moment (the JSON fetched above, the warm-up) are not counted below.
    await new Promise((r) => setTimeout(r, 1_000));
    const before = await quotaRemaining(db, tokenId);
    const measuredFrom = new Date();

    type Latencies = { hey: Latency; poisson: Latency };
    const results: { endpoint: string; bare: Saturation; keyward: Saturation; bareLatency: Latencies; keywardLatency: Latencies }[] = [];
    let reposOk = 0;
    let verifyOk = 0;
    for (const [endpoint, path, callAuth, post] of [
      ["GET /v0/quota", quotaPath, auth, undefined],
      ["GET /v0/orgs/{org}/repos", reposPath, auth, undefined],
      ["POST /v1/verify", verifyPath, serviceAuth, verifyPost],
    ] as const) {
      log(`${endpoint}: wrk ${CONNECTIONS} connections × ${SATURATION_SECONDS} s, bare then Keyward…`);
      const bareRun = wrk(`${bareUrl}${path}`, callAuth, SATURATION_SECONDS, bare.pid, post);
      await settleServer(server.pid);
      const keywardRun = wrk(`${api}${path}`, callAuth, SATURATION_SECONDS, server.pid, post);
      log(`${endpoint}: ${OFFERED_RATE}/s × ${RATE_SECONDS} s (hey, then open-loop Poisson), bare then Keyward…`);
      const latencies = async (url: string, pid: number | undefined): Promise<Latencies> => {
        const offered: LatencyRun = { url, auth: callAuth, seconds: RATE_SECONDS, post };
        const hey = heyLatency(offered);
        if (pid !== undefined) await settleServer(pid);
        return { hey, poisson: openLoopLatency(offered) };
      };
      const bareLatency = await latencies(`${bareUrl}${path}`, undefined);
      await settleServer(server.pid);
      const keywardLatency = await latencies(`${api}${path}`, server.pid);
      const latencyOk = keywardLatency.hey.ok + keywardLatency.poisson.ok;
      if (path === reposPath) reposOk = keywardRun.requests - keywardRun.non2xx + latencyOk;
      if (path === verifyPath) verifyOk = keywardRun.requests - keywardRun.non2xx + latencyOk;
      results.push({ endpoint, bare: bareRun, keyward: keywardRun, bareLatency, keywardLatency });
    }

    // A graceful stop writes the last usage rows; then the database tells what was charged.
    await stop(server);
    const after = await quotaRemaining(db, tokenId);
    const charged = before - after;
    const measured = { tokenId, at: { gte: measuredFrom } };
    // Charged calls: the repository lists and the verifies (recorded under the service's scope).
    const recordedOk = await db.usageEvent.aggregate({
      where: { ...measured, route: { in: ["/v0/orgs/{org}/repos", "bench/bench:read"] }, status: 200 },
      _count: true,
      _sum: { cost: true },
    });
    const failures = await db.usageEvent.count({ where: { ...measured, status: { not: 200 } } });
    await db.$disconnect();

    log();
    log("Throughput at saturation (wrk, 64 connections), requests/s and the server process's CPU time per request:");
    log(
      `  ${"endpoint".padEnd(26)} ${"bare node:http".padStart(15)} ${"Keyward".padStart(10)} ${"ratio".padStart(7)}  ${"CPU µs/req bare / Keyward".padStart(26)}  Keyward non-2xx`,
    );
    for (const r of results) {
      const cpu = (s: Saturation) => (s.cpuMicrosPerRequest === null ? "?" : s.cpuMicrosPerRequest.toFixed(0));
      log(
        `  ${r.endpoint.padEnd(26)} ${fmt(r.bare.rps).padStart(15)} ${fmt(r.keyward.rps).padStart(10)} ${(r.keyward.rps / r.bare.rps).toFixed(2).padStart(7)}  ${`${cpu(r.bare)} / ${cpu(r.keyward)}`.padStart(26)}  ${r.keyward.non2xx}`,
      );
    }
    log();
    log(
      `Latency at a fixed ${OFFERED_RATE} requests/s for ${RATE_SECONDS} s: hey -c ${RATE_WORKERS} -q ${RATE_PER_WORKER} (bursts of ten), and open-loop Poisson arrivals:`,
    );
    log(
      `  ${"endpoint".padEnd(26)} ${"load".padEnd(8)} ${"bare p50/p99 (ms)".padStart(18)} ${"Keyward p50/p99 (ms)".padStart(21)}  Keyward ok/sent`,
    );
    for (const r of results) {
      const pair = (l: Latency) => `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)}`;
      for (const load of ["hey", "poisson"] as const) {
        const keyward = r.keywardLatency[load];
        log(
          `  ${r.endpoint.padEnd(26)} ${load.padEnd(8)} ${pair(r.bareLatency[load]).padStart(18)} ${pair(keyward).padStart(21)}  ${keyward.ok}/${keyward.total}`,
        );
      }
    }
    log();
    log("Quota check (charged endpoints, 1 unit per call):");
    log(`  charged in the database:          ${charged}`);
    log(`  successful calls recorded:        ${recordedOk._count} (cost ${recordedOk._sum.cost ?? 0})`);
    log(
      `  successful calls seen by clients: ${reposOk + verifyOk} (wrk does not count the calls in flight when it stops: at most ${CONNECTIONS} fewer per run)`,
    );
    log(`  refused or failed calls recorded: ${failures}`);
    const seen = reposOk + verifyOk;
    const exact = charged === (recordedOk._sum.cost ?? 0) && charged >= seen && charged - seen <= 2 * CONNECTIONS;
    log(`  ${exact ? "OK: the quota charged equals the successful calls" : "MISMATCH between the quota charged and the successful calls"}`);
    if (!exact) process.exitCode = 1;
  } finally {
    for (const child of children) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Waits until the server is idle: after a saturation run its usage writer is still writing the
 * backlog of usage rows for a while, and that CPU must not be billed to the next endpoint's run.
 */
async function settleServer(pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  const waited = await settle(() => processCpuMicros(pid));
  if (waited > 1_000) log(`  (waited ${(waited / 1000).toFixed(1)} s for the server to finish writing the previous run's usage)`);
}

/** CPU time (all threads) a process has used, in microseconds; null for a process this run did not start. */
function cpuMicros(pid: number | undefined): number | null {
  return pid === undefined ? null : processCpuMicros(pid);
}

function wrk(url: string, auth: string, seconds: number, pid?: number, post?: Post): Saturation {
  const cpuBefore = cpuMicros(pid);
  const script = post ? ["-s", post.script] : [];
  const out = run("wrk", ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, ...script, "-H", `Authorization: ${auth}`, url], seconds);
  const cpuAfter = cpuMicros(pid);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(rps) || !Number.isFinite(requests)) throw new Error(`could not read wrk's output:\n${out}`);
  const cpuMicrosPerRequest = cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / requests : null;
  return { rps, requests, non2xx, cpuMicrosPerRequest };
}

function startProcess(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start in time:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString("en");

const args = process.argv.slice(2);
(args.includes("--postgres") ? runPostgresBench(args) : main()).catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
