// `npx tsx bench/api-hot-path.ts [--rounds 3] [--seconds 10] [--cpu-prof DIR] [--path quota|repos] [--next]`:
// the CPU the REST API spends per request, without Next.js.
//
// Migrates a temporary SQLite database, seeds the demo data and a token (scope `repo`), starts
// bench/api-handler-server.ts (the handler as production wires it, `--max-semi-space-size=64` as
// `npm start` runs it) and drives GET /v0/orgs/{org}/repos (or /v0/quota) with
// `wrk -t2 -c64` for a few rounds, printing for each the server process's CPU time per request
// (all threads, the usage writer included; from /proc/<pid>/stat). CPU per request moves little
// with the machine's other load, requests/s a lot: compare the former between two commits, run
// one after the other. With --cpu-prof, the server writes a V8 profile of its main thread into DIR
// (read it with bench/cpu-profile-summary.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { generateKeySpec } from "../lib/tokens/encryption";
import { seedBenchToken } from "./bench-token";
import { processCpuMicros, settle, threadCpuMicros } from "./process-tools";

const ROOT = resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    "cpu-prof": { type: "string" },
    path: { type: "string", default: "repos" },
    // The whole production server (Next.js in the same process) on the build in .next-bench.
    next: { type: "boolean", default: false },
  },
});

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "keyward-hot-path-"));
  const databaseUrl = `file:${join(dir, "keyward.db")}`;
  const keys = generateKeySpec(1);
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEYS: keys,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
  });
  let server: ChildProcess | null = null;
  try {
    const { token, orgSlug } = await seed(databaseUrl, keys);
    const profile = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${resolve(args["cpu-prof"])}`] : [];
    server = spawn(
      process.execPath,
      [
        "--max-semi-space-size=64",
        ...profile,
        ...(process.env.HOT_PATH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
        "--import",
        "tsx",
        "bench/api-handler-server.ts",
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: "production",
          WITH_NEXT: args.next ? "1" : "0",
          KEYWARD_DIST_DIR: ".next-bench",
          NEXT_TELEMETRY_DISABLED: "1",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    for await (const chunk of server.stdout!) {
      output += String(chunk);
      if (/listening \d+/.test(output)) break;
    }
    const port = /listening (\d+)/.exec(output)?.[1];
    if (!port) throw new Error(`server did not start: ${output}`);
    const url = `http://127.0.0.1:${port}${args.path === "quota" ? "/v0/quota" : `/v0/orgs/${orgSlug}/repos`}`;
    const auth = `Basic ${Buffer.from(`${token}:`).toString("base64")}`;
    wrk(url, auth, 3, server.pid!); // warm-up
    console.log(
      `${url}, wrk -t2 -c64 -d${args.seconds}s per round; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    );
    const serverPid = server.pid!;
    for (let round = 1; round <= Number(args.rounds); round++) {
      // The usage writer finishes the previous round's rows before this round is measured.
      await settle(() => processCpuMicros(serverPid));
      const r = wrk(url, auth, Number(args.seconds), serverPid);
      console.log(
        `round ${round}: ${Math.round(r.rps).toLocaleString("en")} req/s, ${r.cpuMicrosPerRequest.toFixed(1)} µs CPU/req, non-2xx ${r.non2xx} (by thread: ${r.threads})`,
      );
    }
  } finally {
    if (server && server.exitCode === null) {
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function seed(databaseUrl: string, keys: string) {
  const [{ applyMigrations }, { resolveDatabaseTarget }] = await Promise.all([
    import("../lib/db/migrate"),
    import("../lib/db/database-url"),
  ]);
  await applyMigrations(resolveDatabaseTarget(databaseUrl));
  const { token, orgSlug, db } = await seedBenchToken(databaseUrl, keys, { seedDemo: true });
  // HOT_PATH_EXPERIMENT_SQL: statements (separated by ";") run on the seeded database before the
  // server starts, to measure a schema change before writing its migration (e.g. DROP INDEX …).
  for (const sql of process.env.HOT_PATH_EXPERIMENT_SQL?.split(";").filter((part) => part.trim()) ?? []) await db.$executeRawUnsafe(sql);
  await db.$disconnect();
  return { token, orgSlug };
}

function wrk(url: string, auth: string, seconds: number, pid: number) {
  const threadsBefore = threadCpuMicros(pid);
  const cpuBefore = processCpuMicros(pid);
  const result = spawnSync("wrk", ["-t2", "-c64", `-d${seconds}s`, "-H", `Authorization: ${auth}`, url], { encoding: "utf8" });
  const cpuAfter = processCpuMicros(pid);
  const threadsAfter = threadCpuMicros(pid);
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr}`);
  const requests = Number(/(\d+) requests in/.exec(result.stdout)?.[1]);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(result.stdout)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(result.stdout)?.[1] ?? 0),
    cpuMicrosPerRequest: (cpuAfter - cpuBefore) / requests,
    threads: [...threadsAfter]
      .map(([name, micros]) => [name, (micros - (threadsBefore.get(name) ?? 0)) / requests] as const)
      .filter(([, perRequest]) => perRequest >= 0.5)
      .map(([name, perRequest]) => `${name} ${perRequest.toFixed(1)}`)
      .join(", "),
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
