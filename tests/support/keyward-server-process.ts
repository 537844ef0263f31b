// One Keyward server of the multi-server test: what `npm start` does, without the dashboard (which
// needs a Next.js build): migrate under the start-up lock (scripts/start.ts's calls), serve the
// REST API on PORT with TRUST_PROXY, and run the incident sweeper every SWEEP_MS. Prints
// "applied <n>" after migrating and "listening <port>" when ready.
// Reads one command on stdin, standing in for the dashboard's "Start" of a bulk operation (no REST
// endpoint starts one): "run-incident <incidentId> <userId> <email> <leaseMs> <batchSize>". The run
// prints "progress <n>" after each batch and, after the first, stops answering (as a hung process
// would) so the test can kill it at a known point in the middle.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";

import { createApiStore } from "../../lib/api/create-store";
import { createApiHandler } from "../../lib/api/handler";
import { STARTUP_LOCK, withAdvisoryLock } from "../../lib/db/advisory-lock";
import { resolveDatabaseTarget } from "../../lib/db/database-url";
import { applyMigrations } from "../../lib/db/migrate";
import { trustedProxyHopsFromEnv } from "../../lib/server/trusted-proxy";

async function main() {
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  const migrated = await withAdvisoryLock(target, STARTUP_LOCK, { wait: true }, () => applyMigrations(target));
  if (migrated.acquired) process.stdout.write(`applied ${migrated.value.length}\n`);

  const store = createApiStore(target);
  const handler = createApiHandler({ store, trustedProxyHops: trustedProxyHopsFromEnv() });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);

  // Imported after DATABASE_URL is final, as scripts/start.ts does.
  const [{ startIncidentSweeper }, { runIncident }] = await Promise.all([
    import("../../lib/server/incident-sweeper"),
    import("../../lib/db/incidents"),
  ]);
  const stopSweeper = startIncidentSweeper((line) => process.stdout.write(`sweeper: ${line}\n`), Number(process.env.SWEEP_MS ?? 30_000));

  createInterface({ input: process.stdin }).on("line", (line) => {
    const [command, incidentId, userId, email, leaseMs, batchSize] = line.trim().split(/\s+/);
    if (command !== "run-incident") return;
    let batches = 0;
    void runIncident(
      incidentId!,
      { kind: "user", userId: userId!, label: email!, ip: null, userAgent: null },
      {
        leaseMs: Number(leaseMs),
        batchSize: Number(batchSize),
        onProgress: (progress) => {
          process.stdout.write(`progress ${progress.done + progress.skipped}\n`);
          // Freeze the whole process after the first batch, until the test kills it.
          if (++batches === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        },
      },
    ).then(
      (result) => process.stdout.write(`result ${result.outcome}\n`),
      (error: unknown) => process.stdout.write(`result failed ${String(error)}\n`),
    );
  });

  process.once("SIGTERM", () => {
    stopSweeper();
    server.close();
    server.closeAllConnections();
    void handler
      .flush()
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
