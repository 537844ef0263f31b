import { parseKeyring } from "../lib/tokens/encryption";

// The token the API benchmarks call with: scope `repo` in the demo org (or, for the gateway, only a
// service's scopes), a quota no run can spend.

const BENCH_QUOTA = 100_000_000;

/**
 * Writes the bench token into the database at `databaseUrl` (after seeding the demo org first when asked).
 * `serviceScopes` ("slug/scope", as the token column stores them) gives it those and no API scope.
 */
export async function seedBenchToken(databaseUrl: string, keys: string, options: { seedDemo?: boolean; serviceScopes?: string } = {}) {
  const [{ createDb }, { resolveDatabaseTarget }, { newTokenRows }, { seedDemoData }] = await Promise.all([
    import("../lib/db/client"),
    import("../lib/db/database-url"),
    import("../lib/db/token-store"),
    import("../lib/db/seed"),
  ]);
  const db = createDb(resolveDatabaseTarget(databaseUrl));
  if (options.seedDemo) await seedDemoData(db, parseKeyring(keys));
  const org = await db.org.findUniqueOrThrow({ where: { slug: "acme" }, select: { id: true, slug: true } });
  const rows = newTokenRows(parseKeyring(keys), {
    orgId: org.id,
    name: "bench",
    scopes: options.serviceScopes ? [] : ["repo"],
    visibility: "ADMIN_ONLY",
    quotaMax: BENCH_QUOTA,
    quotaWindow: "MONTHLY",
    expiresAt: null,
    createdById: null,
  });
  await db.apiToken.create({ data: options.serviceScopes ? { ...rows.token, serviceScopes: options.serviceScopes } : rows.token });
  await db.apiTokenValue.create({ data: rows.value });
  return { token: rows.plaintext, tokenId: rows.token.id, orgId: org.id, orgSlug: org.slug, db };
}

/** The bench token's quota left: what a run charged is the difference before and after. */
export async function quotaRemaining(db: Awaited<ReturnType<typeof seedBenchToken>>["db"], tokenId: string): Promise<number> {
  return (await db.apiToken.findUniqueOrThrow({ where: { id: tokenId }, select: { quotaRemaining: true } })).quotaRemaining;
}

/**
 * A service of the demo org for POST /v1/verify, whose scope the bench token holds: returns its
 * verification key. The token's version moves, as a dashboard edit would.
 */
export async function seedBenchService(db: Awaited<ReturnType<typeof seedBenchToken>>["db"], tokenId: string): Promise<string> {
  const { generateServiceKey, hashTokenValue, tokenLastFour } = await import("../lib/tokens/format");
  const token = await db.apiToken.findUniqueOrThrow({ where: { id: tokenId }, select: { orgId: true } });
  const key = generateServiceKey();
  await db.service.create({
    data: {
      orgId: token.orgId,
      slug: "bench",
      name: "Bench",
      upstreamUrl: "http://127.0.0.1:9/",
      keyHash: hashTokenValue(key),
      keyLastFour: tokenLastFour(key),
      scopes: { create: [{ name: "bench" }, { name: "bench:read" }] },
    },
  });
  await db.apiToken.update({ where: { id: tokenId }, data: { serviceScopes: "bench/bench:read", version: { increment: 1 } } });
  return key;
}
