// Runs a command against a throw-away PostgreSQL cluster with the migrations applied:
//   tsx scripts/with-postgres.ts vitest run --project integration
// DATABASE_URL points the command at the cluster; the cluster is removed afterwards.
import { spawn } from "node:child_process";

import { applyMigrations } from "../lib/db/migrate";
import { startTempPostgres, type TempPostgres } from "../lib/db/temp-postgres";

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const SKIPPED = "SKIPPED: PostgreSQL integration tests (no PostgreSQL server binaries found)";

function run(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: "inherit", env });
    // Pass a stop request on; lib/db/temp-postgres.ts removes the cluster on the same signal.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : 1)));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 1;
}

async function main(command: string[]): Promise<number> {
  if (command.length === 0) throw new Error("usage: tsx scripts/with-postgres.ts <command...>");
  const cluster: TempPostgres | null = await startTempPostgres();
  if (!cluster) {
    if (process.env.CI) {
      console.error("error: PostgreSQL server binaries not found (CI must install postgresql, or set PG_BIN)");
      return 1;
    }
    console.log(SKIPPED);
    return 0;
  }
  try {
    await applyMigrations({ provider: "postgresql", url: cluster.url });
    return await run(command, { ...process.env, DATABASE_URL: cluster.url });
  } finally {
    await cluster.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    process.exit(1);
  },
);
