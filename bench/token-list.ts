// How long the tokens table and the audit log take to query with 10,000 tokens in one org.
//   node --conditions=react-server --import tsx bench/token-list.ts            (temporary SQLite file)
//   npx tsx scripts/with-postgres.ts node --conditions=react-server --import tsx bench/token-list.ts
// (react-server: the query modules import "server-only", as Next.js resolves it on the server.)
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TOKENS = Number(process.env.TOKENS ?? 10_000);
const RUNS = 15;

async function main() {
  const tempDir = process.env.DATABASE_URL ? null : mkdtempSync(join(tmpdir(), "keyward-bench-"));
  if (tempDir) process.env.DATABASE_URL = `file:${join(tempDir, "bench.db")}`;
  process.env.TOKEN_ENCRYPTION_KEYS ??= "1:" + Buffer.alloc(32, 9).toString("base64");

  const { resolveDatabaseTarget } = await import("../lib/db/database-url");
  const { applyMigrations } = await import("../lib/db/migrate");
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  await applyMigrations(target);

  const { db } = await import("../lib/db/client");
  const { auditRow } = await import("../lib/db/audit");
  const { newTokenRows } = await import("../lib/db/token-store");
  const { getKeyring } = await import("../lib/config/keyring");
  const { listTokens } = await import("../lib/db/queries/tokens");
  const { listAuditEvents } = await import("../lib/db/queries/audit");
  const { tokenListParamsSchema } = await import("../lib/validations/token");
  const { auditListParamsSchema } = await import("../lib/validations/audit");
  const { SCOPE_NAMES } = await import("../lib/tokens");

  const org = await db.org.create({ data: { slug: `bench-${randomUUID().slice(0, 8)}`, name: "Bench" } });
  const admin = await db.user.create({ data: { email: `bench-${randomUUID().slice(0, 8)}@bench.test` } });

  console.log(`seeding ${TOKENS.toLocaleString("en")} tokens on ${target.provider}…`);
  const keyring = getKeyring();
  const now = Date.now();
  for (let start = 0; start < TOKENS; start += 500) {
    const batch = Array.from({ length: Math.min(500, TOKENS - start) }, (_, k) => {
      const i = start + k;
      const rows = newTokenRows(
        keyring,
        {
          orgId: org.id,
          name: `Token ${String(i).padStart(5, "0")} ${["ci", "laptop", "scanner", "deploy"][i % 4]}`,
          scopes: [SCOPE_NAMES[i % SCOPE_NAMES.length]!, SCOPE_NAMES[(i * 7) % SCOPE_NAMES.length]!],
          visibility: i % 3 === 0 ? "ORGANIZATION" : "ADMIN_ONLY",
          quotaMax: 1000,
          quotaWindow: "MONTHLY",
          expiresAt: i % 10 === 0 ? new Date(now + (i % 20 === 0 ? -1 : 1) * 86_400_000) : null,
          createdById: admin.id,
        },
        new Date(now - i * 60_000),
      );
      return {
        token: {
          ...rows.token,
          status: i % 17 === 0 ? ("DISABLED" as const) : ("ACTIVE" as const),
          quotaRemaining: 1000 - (i % 1000),
          lastUsedAt: i % 5 === 0 ? null : new Date(now - (i % 977) * 1000),
        },
        value: rows.value,
        audit: {
          ...auditRow({
            orgId: org.id,
            actor: { type: "user", userId: admin.id, label: admin.email },
            action: "token.created",
            target: { type: "token", id: rows.token.id },
          }),
          at: rows.token.createdAt,
        },
      };
    });
    await db.apiToken.createMany({ data: batch.map((b) => b.token) });
    await db.apiTokenValue.createMany({ data: batch.map((b) => b.value) });
    await db.auditEvent.createMany({ data: batch.map((b) => b.audit) });
  }

  async function time(label: string, run: () => Promise<unknown>) {
    await run(); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await run();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    const p90 = samples[Math.floor(samples.length * 0.9)]!;
    console.log(`${label.padEnd(58)} median ${median.toFixed(1).padStart(6)} ms   p90 ${p90.toFixed(1).padStart(6)} ms`);
  }

  const tokens =
    (params: Record<string, string>, role: "ADMIN" | "MEMBER" = "ADMIN") =>
    () =>
      listTokens(org.id, role, tokenListParamsSchema.parse(params));
  const audit = (params: Record<string, string>) => () => listAuditEvents(org.id, auditListParamsSchema.parse(params));

  await time("tokens: first page, newest first (default)", tokens({}));
  await time("tokens: page 200 of 400, sorted by name", tokens({ sort: "name", dir: "asc", page: "200" }));
  await time("tokens: last page, sorted by last used", tokens({ sort: "lastUsed", dir: "desc", page: "400" }));
  await time("tokens: 100 per page, sorted by quota left", tokens({ sort: "quota", size: "100" }));
  await time("tokens: search 'laptop'", tokens({ q: "laptop" }));
  await time("tokens: filter scope report:read (direct or via parent)", tokens({ scope: "report:read" }));
  await time("tokens: filter status expired", tokens({ status: "expired" }));
  await time("tokens: member view (organization-visible only)", tokens({}, "MEMBER"));
  await time("audit: first page", audit({}));
  await time("audit: page 100, filtered by action", audit({ action: "token.created", page: "100" }));

  await db.$disconnect();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
