// `npx tsx bench/postgres-statements.ts`: where PostgreSQL's CPU goes per charged API call.
//
// One Keyward API server (tests/support/keyward-server-process.ts) on a temporary PostgreSQL with
// pg_stat_statements loaded, the bench token, a 3 s warm-up, then `wrk -t2 -c$CONNECTIONS` for
// $SECONDS on GET /v0/orgs/{org}/repos. Prints requests/s and p99, CPU µs per request of the
// server process and of PostgreSQL (postmaster and backends, from /proc; "after" includes the
// usage rows written once wrk stopped), PostgreSQL's execution time per statement kind, and
// updates of each table (HOT or not). PROFILE=1 also writes the server's --cpu-prof files to
// $TMPDIR/keyward-profiles/ (read them with bench/cpu-profile-summary.ts).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

import { startTempPostgres } from "../lib/db/temp-postgres";
import { generateKeySpec } from "../lib/tokens/encryption";
import { seedBenchToken } from "./bench-token";
import { postgresMicros, processCpuMicros } from "./process-tools";

const SECONDS = Number(process.env.SECONDS ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);

async function main() {
  const cluster = await startTempPostgres();
  if (!cluster) throw new Error("no PostgreSQL server binaries found (install postgresql, or set PG_BIN)");
  try {
    const port = Number(new URL(cluster.url).port);
    const admin = new pg.Client(cluster.url);
    await admin.connect();
    await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await admin.end();
    await cluster.pause();
    await cluster.resume();

    const secrets = { TOKEN_ENCRYPTION_KEYS: generateKeySpec(1), AUTH_SECRET: randomBytes(32).toString("base64url") };
    const profile = process.env.PROFILE === "1" ? ["--cpu-prof", `--cpu-prof-dir=${join(tmpdir(), "keyward-profiles")}`] : [];
    const server = spawn(
      process.execPath,
      ["--max-semi-space-size=64", ...profile, "--import", "tsx", "tests/support/keyward-server-process.ts"],
      { env: { ...process.env, DATABASE_URL: cluster.url, ...secrets }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    await new Promise<void>((resolve) =>
      server.stdout!.on("data", (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-5_000);
        if (/listening \d+/.test(output)) resolve();
      }),
    );
    const url = `http://127.0.0.1:${/listening (\d+)/.exec(output)![1]}`;
    const { token, orgSlug, db } = await seedBenchToken(cluster.url, secrets.TOKEN_ENCRYPTION_KEYS, { seedDemo: true });
    await db.$disconnect();
    const wrkArgs = ["-t2", `-c${CONNECTIONS}`, "--latency", "-H", `Authorization: Basic ${Buffer.from(`${token}:`).toString("base64")}`];
    const target = `${url}/v0/orgs/${orgSlug}/repos`;
    spawnSync("wrk", [...wrkArgs, "-d3s", target]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const stats = new pg.Client(cluster.url);
    await stats.connect();
    await stats.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    await stats.query("SELECT pg_stat_statements_reset(), pg_stat_reset()");
    const before = { postgres: postgresMicros(port), server: processCpuMicros(server.pid!) };
    const out = spawnSync("wrk", [...wrkArgs, `-d${SECONDS}s`, target], { encoding: "utf8" }).stdout;
    const during = { postgres: postgresMicros(port), server: processCpuMicros(server.pid!) };
    server.kill("SIGTERM"); // writes the last usage rows
    await new Promise((resolve) => server.once("exit", resolve));
    const after = postgresMicros(port);

    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    console.log(
      `${CONNECTIONS} connections × ${SECONDS} s: ${/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]} requests/s, p99 ${/\s99%\s+(\S+)/.exec(out)?.[1]}`,
    );
    console.log(
      `CPU µs per request: Keyward server ${Math.round((during.server - before.server) / requests)}, ` +
        `PostgreSQL ${Math.round((during.postgres - before.postgres) / requests)} (${Math.round((after - before.postgres) / requests)} with the last usage rows)`,
    );
    const statements = await stats.query(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 50) AS statement, SUM(calls)::int AS calls,
              round((SUM(total_exec_time) * 1000 / $1)::numeric, 1) AS "exec µs per request"
       FROM pg_stat_statements GROUP BY 1 ORDER BY SUM(total_exec_time) DESC LIMIT 8`,
      [requests],
    );
    console.table(statements.rows);
    const tables = await stats.query(
      `SELECT relname AS table, n_tup_ins AS inserted, n_tup_upd AS updated, n_tup_hot_upd AS "HOT updates"
       FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0 ORDER BY relname`,
    );
    console.table(tables.rows);
    await stats.end();
  } finally {
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
