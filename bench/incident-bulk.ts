// How long a bulk rotation of 1,000 tokens takes, and whether the rest of the process (other
// requests, timers) keeps being served while it runs.
//   node --conditions=react-server --import tsx bench/incident-bulk.ts            (temporary SQLite file)
//   npx tsx scripts/with-postgres.ts node --conditions=react-server --import tsx bench/incident-bulk.ts
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const TOKENS = Number(process.env.TOKENS ?? 1000);

async function main() {
  const tempDir = process.env.DATABASE_URL ? null : mkdtempSync(join(tmpdir(), "keyward-bench-"));
  if (tempDir) process.env.DATABASE_URL = `file:${join(tempDir, "bench.db")}`;
  process.env.TOKEN_ENCRYPTION_KEYS ??= "1:" + Buffer.alloc(32, 9).toString("base64");

  const { resolveDatabaseTarget } = await import("../lib/db/database-url");
  const { applyMigrations } = await import("../lib/db/migrate");
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  await applyMigrations(target);
  const { db } = await import("../lib/db/client");
  const { newTokenRows } = await import("../lib/db/token-store");
  const { getKeyring } = await import("../lib/config/keyring");
  const { createIncident, runIncident } = await import("../lib/db/incidents");
  const { getIncident } = await import("../lib/db/queries/incidents");
  const { incidentFilterSchema } = await import("../lib/validations/incident");

  const org = await db.org.create({ data: { slug: `bench-${randomUUID().slice(0, 8)}`, name: "Bench" } });
  const admin = await db.user.create({ data: { email: `bench-${randomUUID().slice(0, 8)}@bench.test` } });
  const keyring = getKeyring();
  for (let start = 0; start < TOKENS; start += 250) {
    const rows = Array.from({ length: Math.min(250, TOKENS - start) }, (_, k) =>
      newTokenRows(keyring, {
        orgId: org.id,
        name: `ci-${start + k}`,
        scopes: ["report:write"],
        visibility: "ORGANIZATION",
        quotaMax: 1000,
        quotaWindow: "MONTHLY",
        expiresAt: null,
        createdById: admin.id,
      }),
    );
    await db.apiToken.createMany({ data: rows.map((r) => r.token) });
    await db.apiTokenValue.createMany({ data: rows.map((r) => r.value) });
  }
  const actor = { kind: "user" as const, userId: admin.id, label: admin.email, ip: null, userAgent: null };

  const createdAt = performance.now();
  const { incidentId } = await createIncident(actor, org.id, {
    action: "ROTATE",
    graceSeconds: 3600,
    filter: incidentFilterSchema.parse({ scope: "report:write" }),
    expectedCount: TOKENS,
  });
  const createMs = performance.now() - createdAt;

  // While the run goes on: how late a 50 ms timer fires (event-loop lag), and how long the incident
  // page's progress query takes (what the browser polls every second).
  let running = true;
  const lags: number[] = [];
  const pageQueries: number[] = [];
  const watcher = (async () => {
    while (running) {
      const before = performance.now();
      await sleep(50);
      lags.push(performance.now() - before - 50);
      const q = performance.now();
      await getIncident(org.id, incidentId);
      pageQueries.push(performance.now() - q);
    }
  })();
  const started = performance.now();
  const result = await runIncident(incidentId, actor);
  const runMs = performance.now() - started;
  running = false;
  await watcher;
  if (result.outcome !== "completed" || result.progress.done !== TOKENS) throw new Error(`unexpected result ${JSON.stringify(result)}`);

  const pct = (values: number[], p: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? 0;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`${target.provider}: ${TOKENS} tokens`);
  console.log(`  create incident (select + items): ${ms(createMs)}`);
  console.log(`  run: ${(runMs / 1000).toFixed(1)} s total, ${ms(runMs / TOKENS)} per token`);
  console.log(
    `  event-loop lag during run: median ${ms(pct(lags, 50))}, p99 ${ms(pct(lags, 99))}, max ${ms(Math.max(...lags))} (${lags.length} samples)`,
  );
  console.log(
    `  progress page query during run: median ${ms(pct(pageQueries, 50))}, p90 ${ms(pct(pageQueries, 90))}, max ${ms(Math.max(...pageQueries))}`,
  );
  await db.$disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
