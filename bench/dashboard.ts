// `npm run bench:dashboard`: how fast the dashboard's usage pages answer with a lot of usage.
// For each scale (default 100,000 then 1,000,000 usage rows, 10,000 tokens) it seeds a temporary
// SQLite database (bench/seed.ts), starts the production server on it (scripts/start.ts, its own
// build folder), signs in as the bench admin, and times complete responses (first byte to last)
// of each page: p50/p95 over repeated sequential requests after a warm-up. Prints a Markdown table.
//   options: --scales 100000,1000000  --tokens 10000  --runs 40  --keep (leave the temp folders)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { BENCH_ADMIN_EMAIL, BENCH_ORG_SLUG, BENCH_PASSWORD, seedBenchDatabase, type BenchSeedResult } from "./seed";

const ROOT = resolve(import.meta.dirname, "..");
const WARMUP = 5;
const GOAL_P95_MS = 300;

type PageTiming = { page: string; p50: number; p95: number };

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** `npm start` on the given database; resolves once it serves, with its process (own process group). */
async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--max-semi-space-size=64", "--import", "tsx", join(ROOT, "scripts/start.ts")], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: `file:${join(dataDir, "keyward.db")}`,
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_DIST_DIR: ".next-bench",
      KEYWARD_DEMO: "0",
      PORT: String(port),
      HOST: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  });
  let output = "";
  return new Promise((resolveServer, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("keyward: ready on")) resolveServer(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${output.slice(-3000)}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
  process.kill(-child.pid, "SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
}

/** Signs in through Auth.js's credentials endpoint, as the sign-in form does; returns the session cookies. */
async function signIn(base: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const cookies = csrf.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email: BENCH_ADMIN_EMAIL, password: BENCH_PASSWORD, callbackUrl: `${base}/${BENCH_ORG_SLUG}` }),
  });
  const session = response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  if (!session.some((cookie) => cookie.startsWith("authjs.session-token="))) throw new Error(`sign-in failed (${response.status})`);
  return [...cookies, ...session].join("; ");
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timePage(base: string, cookie: string, path: string, runs: number, expect: string): Promise<{ p50: number; p95: number }> {
  const once = async () => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" });
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200 || !body.includes(expect))
      throw new Error(`GET ${path}: ${response.status}, expected "${expect}" in the page`);
    return elapsed;
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

function pagesFor(seed: BenchSeedResult, now: Date) {
  const token = `/${BENCH_ORG_SLUG}/tokens/${seed.busiestTokenId}`;
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000).toISOString().slice(0, 16);
  return [
    { page: "tokens list", path: `/${BENCH_ORG_SLUG}/tokens`, expect: "API tokens" },
    { page: "token detail (busiest token)", path: token, expect: "Request log" },
    {
      page: "request log: IP + success + last 7 days",
      path: `${token}?${new URLSearchParams({ ip: seed.busiestTokenIp, status: "success", from: weekAgo })}`,
      expect: "Request log",
    },
    {
      page: "request log: 401/403, page 3, by status",
      path: `${token}?${new URLSearchParams({ status: "authErrors", sort: "status", page: "3" })}`,
      expect: "Request log",
    },
    { page: "org usage overview", path: `/${BENCH_ORG_SLUG}/usage`, expect: "Top tokens by volume" },
  ];
}

async function benchScale(
  events: number,
  tokens: number,
  runs: number,
  keep: boolean,
  log: (line: string) => void,
): Promise<{ timings: PageTiming[]; seed: BenchSeedResult }> {
  const dataDir = mkdtempSync(join(tmpdir(), `keyward-bench-${events}-`));
  let server: ChildProcess | null = null;
  try {
    log(`seeding ${tokens.toLocaleString("en")} tokens and ${events.toLocaleString("en")} usage rows into ${dataDir}…`);
    const now = new Date();
    const seed = await seedBenchDatabase({
      file: join(dataDir, "keyward.db"),
      tokens,
      events,
      log: (line) => log(`  ${line.trim()}`),
      now,
    });
    log(`  busiest token: ${seed.busiestTokenEvents.toLocaleString("en")} usage rows`);
    const port = await freePort();
    log(`starting the production server on port ${port} (builds into .next-bench if sources changed)…`);
    server = await startServer(dataDir, port);
    const base = `http://127.0.0.1:${port}`;
    const cookie = await signIn(base);
    const timings: PageTiming[] = [];
    for (const page of pagesFor(seed, now)) {
      const timing = await timePage(base, cookie, page.path, runs, page.expect);
      log(`  ${page.page}: p50 ${timing.p50.toFixed(1)} ms, p95 ${timing.p95.toFixed(1)} ms`);
      timings.push({ page: page.page, ...timing });
    }
    return { timings, seed };
  } finally {
    if (server) await stopServer(server);
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      scales: { type: "string", default: "100000,1000000" },
      tokens: { type: "string", default: "10000" },
      runs: { type: "string", default: "40" },
      keep: { type: "boolean", default: false },
    },
  });
  const scales = values.scales.split(",").map((s) => Number(s.trim().replaceAll("_", "")));
  if (scales.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--scales takes positive whole numbers (got "${values.scales}")`);
  const tokens = Number(values.tokens);
  const runs = Number(values.runs);
  const log = (line: string) => console.log(line);

  const results: { events: number; timings: PageTiming[]; busiest: number }[] = [];
  for (const events of scales) {
    const { timings, seed } = await benchScale(events, tokens, runs, values.keep, log);
    results.push({ events, timings, busiest: seed.busiestTokenEvents });
  }

  const fmt = (n: number) => n.toFixed(1);
  const header = ["page", ...results.map((r) => `${r.events.toLocaleString("en")} rows p50 / p95 (ms)`)];
  const smallest = results[0];
  const largest = results[results.length - 1];
  if (results.length > 1) header.push(`p95 ×, ${largest.events.toLocaleString("en")} vs ${smallest.events.toLocaleString("en")}`);
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const [index, page] of smallest.timings.entries()) {
    const cells = [page.page, ...results.map((r) => `${fmt(r.timings[index].p50)} / ${fmt(r.timings[index].p95)}`)];
    if (results.length > 1) cells.push((largest.timings[index].p95 / smallest.timings[index].p95).toFixed(2));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  console.log(
    `\n${tokens.toLocaleString("en")} tokens; ${runs} timed requests per page after ${WARMUP} warm-up; busiest token: ${results.map((r) => r.busiest.toLocaleString("en")).join(" / ")} rows`,
  );
  console.log(lines.join("\n"));
  const slow = largest.timings.filter((t) => t.p95 > GOAL_P95_MS);
  const steep = results.length > 1 ? largest.timings.filter((t, i) => t.p95 > 2 * smallest.timings[i].p95) : [];
  console.log(
    slow.length === 0 && steep.length === 0
      ? `\ngoal met: every page p95 ≤ ${GOAL_P95_MS} ms at ${largest.events.toLocaleString("en")} rows${results.length > 1 ? ", and at most 2× the p95 at the smallest scale" : ""}`
      : `\ngoal missed: ${[...slow.map((t) => `${t.page} p95 ${fmt(t.p95)} ms`), ...steep.map((t) => `${t.page} grows more than 2×`)].join("; ")}`,
  );
}

main().catch((error: unknown) => {
  console.error(`bench:dashboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
