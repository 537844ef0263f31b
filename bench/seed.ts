// Fills a SQLite database with a realistic organization for the usage benchmarks:
//   npm run bench:seed -- --tokens 10000 --events 1000000 [--db data/bench/keyward.db] [--days 30]
// One org ("bench": admin@bench.test and member@bench.test, password keyward-demo) with the
// tokens, their values (real hashes and ciphertexts), one audit event each, and the usage rows
// spread over the last `days` days — a few busy tokens and a long tail, CI-like routes per
// scope profile, some refusals, quota errors and server errors — then the usage rollups,
// rebuilt from those rows. better-sqlite3 writes directly, in large transactions.
import { randomUUID } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";

import { ENDPOINTS, type EndpointSpec } from "../lib/api/endpoints";
import { hashPassword } from "../lib/auth/password";
import { loadOrCreateSecrets } from "../lib/config/secrets";
import { resolveDatabaseTarget } from "../lib/db/database-url";
import { applyMigrations } from "../lib/db/migrate";
import { rebuildRollupStatements } from "../lib/db/usage-rollups";
import {
  encryptTokenValue,
  generateTokenValue,
  hashTokenValue,
  nextQuotaReset,
  parseKeyring,
  scopeGrants,
  serializeScopes,
  TOKEN_PREFIX,
  tokenLastFour,
  type QuotaWindow,
  type Scope,
} from "../lib/tokens";

export const BENCH_ORG_SLUG = "bench";
export const BENCH_ADMIN_EMAIL = "admin@bench.test";
export const BENCH_MEMBER_EMAIL = "member@bench.test";
export const BENCH_PASSWORD = "keyward-demo";

const DAY_MS = 86_400_000;

export type BenchSeedOptions = {
  /** SQLite file; created (with its migrations) if missing, replaced when `fresh`. */
  file: string;
  tokens: number;
  events: number;
  days?: number;
  fresh?: boolean;
  log?: (line: string) => void;
  now?: Date;
};

export type BenchSeedResult = {
  orgId: string;
  /** The token with the most usage rows, and how many it has. */
  busiestTokenId: string;
  busiestTokenEvents: number;
  /** Its most frequent client IP (the filtered request-log benchmark uses it). */
  busiestTokenIp: string;
};

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same data. */
function rng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)],
  };
}

type Profile = { name: string; scopes: Scope[]; routes: string[]; weight: number };

const route = (id: keyof typeof ENDPOINTS) => `${ENDPOINTS[id].method} ${ENDPOINTS[id].path}`;
// What kinds of tokens an org has, and which routes each kind actually calls (often fewer than its scopes allow).
const PROFILES: Profile[] = [
  {
    name: "CI scanner",
    scopes: ["report:read", "report:write"],
    routes: [route("createReport"), route("getReport"), route("getQuota")],
    weight: 45,
  },
  { name: "Dashboard reader", scopes: ["report:list", "report:read"], routes: [route("getReportList"), route("getReport")], weight: 20 },
  { name: "Repo sync", scopes: ["repo", "report:list"], routes: [route("getOrgRepoList"), route("getReportList")], weight: 15 },
  { name: "Broad legacy", scopes: ["report", "repo"], routes: [route("getReport"), route("getOrganizations")], weight: 12 },
  { name: "Token automation", scopes: ["api-tokens"], routes: [route("getAPITokens"), route("postAPITokensRotate")], weight: 5 },
  { name: "Audit export", scopes: ["audit-log"], routes: [route("getQuota")], weight: 3 },
];
const ALL_ROUTES = Object.values(ENDPOINTS).map((spec) => `${spec.method} ${spec.path}`);
const SPEC_BY_ROUTE = new Map<string, EndpointSpec>(Object.values(ENDPOINTS).map((spec) => [`${spec.method} ${spec.path}`, spec]));

const USER_AGENTS = [
  "socket-cli/1.1.24 node/20.18.0 linux-x64",
  "socket-cli/1.1.19 node/22.11.0 darwin-arm64",
  "@socketsecurity/sdk/4.0.1 node/20.18.0",
  "GitHub-Actions socket-security-action/2.3",
  "GitLab-Runner 17.5.2 (linux; amd64)",
  "python-requests/2.32.3",
  "curl/8.5.0",
  "Go-http-client/2.0",
  "okhttp/4.12.0",
  "Jenkins/2.479 socket-plugin/0.9",
  "renovate/39.9.0",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
];
const NAME_PARTS = ["ci", "deploy", "nightly", "scanner", "sync", "reporting", "backend", "frontend", "mobile", "infra", "data", "release"];

function ipFor(r: ReturnType<typeof rng>): string {
  const nets = ["203.0.113", "198.51.100", "192.0.2"];
  return r.next() < 0.6 ? `10.${r.int(16)}.${r.int(256)}.${1 + r.int(254)}` : `${r.pick(nets)}.${1 + r.int(254)}`;
}

export async function seedBenchDatabase(options: BenchSeedOptions): Promise<BenchSeedResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? new Date();
  const days = options.days ?? 30;
  const file = resolve(options.file);
  if (options.fresh) for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
  const started = Date.now();

  // Secrets beside the file, so a server started with KEYWARD_DATA_DIR=<that folder> can decrypt the values.
  const secrets = loadOrCreateSecrets({ env: process.env, dataDir: dirname(file), production: false, log });
  const keyring = parseKeyring(secrets.TOKEN_ENCRYPTION_KEYS);
  await applyMigrations(resolveDatabaseTarget(`file:${file}`));

  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  db.pragma("temp_store = MEMORY");
  if ((db.prepare(`SELECT COUNT(*) AS n FROM "Org" WHERE "slug" = ?`).get(BENCH_ORG_SLUG) as { n: number }).n > 0) {
    db.close();
    throw new Error(`${file} already has the "${BENCH_ORG_SLUG}" org; pass --fresh to rebuild it`);
  }

  const r = rng(20261123);
  const nowMs = now.getTime();
  const orgId = randomUUID();
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const users = [
    { id: randomUUID(), email: BENCH_ADMIN_EMAIL, name: "Bench Admin", role: "ADMIN" },
    { id: randomUUID(), email: BENCH_MEMBER_EMAIL, name: "Bench Member", role: "MEMBER" },
  ];
  db.transaction(() => {
    db.prepare(`INSERT INTO "Org" ("id", "slug", "name", "plan", "createdAt", "updatedAt") VALUES (?, ?, ?, 'team', ?, ?)`).run(
      orgId,
      BENCH_ORG_SLUG,
      "Bench Inc.",
      nowMs,
      nowMs,
    );
    for (const user of users) {
      db.prepare(`INSERT INTO "User" ("id", "email", "name", "passwordHash", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)`).run(
        user.id,
        user.email,
        user.name,
        passwordHash,
        nowMs,
        nowMs,
      );
      db.prepare(`INSERT INTO "Membership" ("id", "userId", "orgId", "role", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)`).run(
        randomUUID(),
        user.id,
        orgId,
        user.role,
        nowMs,
        nowMs,
      );
    }
  })();

  // --- Tokens (settings first; usage-dependent fields are filled in after the events) ---------
  type BenchToken = {
    id: string;
    valueId: string;
    profile: Profile;
    ips: string[];
    userAgents: string[];
    window: QuotaWindow;
    windowStart: number;
    createdAt: number;
    windowCost: number;
    events: number;
    ipCounts: Map<string, number>;
    last: { at: number; ip: string; userAgent: string; route: string } | null;
  };
  const profileWeights = PROFILES.reduce((sum, p) => sum + p.weight, 0);
  const pickProfile = () => {
    let x = r.next() * profileWeights;
    for (const profile of PROFILES) if ((x -= profile.weight) < 0) return profile;
    return PROFILES[0];
  };
  const windowStartOf = (window: QuotaWindow) => {
    const end = nextQuotaReset(window, now).getTime();
    if (window === "HOURLY") return end - 3_600_000;
    if (window === "DAILY") return end - DAY_MS;
    return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  };
  const tokens: BenchToken[] = Array.from({ length: options.tokens }, () => {
    const window: QuotaWindow = r.next() < 0.6 ? "MONTHLY" : r.next() < 0.75 ? "DAILY" : "HOURLY";
    return {
      id: randomUUID(),
      valueId: randomUUID(),
      profile: pickProfile(),
      ips: Array.from({ length: 1 + r.int(3) }, () => ipFor(r)),
      userAgents: Array.from({ length: 1 + r.int(2) }, () => r.pick(USER_AGENTS)),
      window,
      windowStart: windowStartOf(window),
      createdAt: nowMs - (days + r.int(370)) * DAY_MS - r.int(DAY_MS),
      windowCost: 0,
      events: 0,
      ipCounts: new Map(),
      last: null,
    };
  });

  // --- Usage rows ----------------------------------------------------------------------------
  // A few busy tokens and a long tail (Zipf, s = 1) over the 70% of tokens in use; the rest idle.
  const activeCount = Math.max(1, Math.round(tokens.length * 0.7));
  const cumulative = new Float64Array(activeCount);
  let total = 0;
  for (let i = 0; i < activeCount; i++) cumulative[i] = total += 1 / (i + 1);
  const pickActive = () => {
    const x = r.next() * total;
    let lo = 0;
    let hi = activeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return tokens[lo];
  };
  // Times: most calls in working hours (UTC), sorted so row ids follow time as they do in production.
  const times = new Float64Array(options.events);
  for (let i = 0; i < options.events; i++) {
    const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS - r.int(days) * DAY_MS;
    const offset = r.next() < 0.7 ? 8 * 3_600_000 + r.next() * 12 * 3_600_000 : r.next() * DAY_MS;
    times[i] = Math.min(nowMs - 1, dayStart + Math.floor(offset));
  }
  times.sort();

  // Index maintenance on a million random keys is slow; build the indexes once at the end.
  const indexes = db
    .prepare(`SELECT "name", "sql" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = 'UsageEvent' AND "sql" IS NOT NULL`)
    .all() as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
  const insertEvent = db.prepare(
    `INSERT INTO "UsageEvent" ("requestId", "tokenId", "valueId", "orgId", "at", "method", "route", "status", "ip", "userAgent", "cost") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const BATCH = 50_000;
  for (let start = 0; start < options.events; start += BATCH) {
    db.transaction(() => {
      for (let i = start; i < Math.min(options.events, start + BATCH); i++) {
        const token = pickActive();
        const at = times[i];
        const roll = r.next();
        let routeKey = r.pick(token.profile.routes);
        let status: number;
        if (roll < 0.015) {
          // A call outside the token's scopes.
          routeKey = r.pick(ALL_ROUTES);
          const scope = SPEC_BY_ROUTE.get(routeKey)!.scope;
          status = scope && !scopeGrants(token.profile.scopes, scope) ? 403 : 200;
        } else if (roll < 0.035) status = r.pick([400, 404, 404, 422]);
        else if (roll < 0.042) status = 429;
        else if (roll < 0.045) status = r.pick([500, 503]);
        else status = routeKey.startsWith("GET") ? 200 : 201;
        const spec = SPEC_BY_ROUTE.get(routeKey)!;
        const cost = status < 400 ? spec.cost : 0;
        const ip = r.next() < 0.002 ? ipFor(r) : r.pick(token.ips);
        const userAgent = r.pick(token.userAgents);
        insertEvent.run(randomUUID(), token.id, token.valueId, orgId, at, spec.method, spec.path, status, ip, userAgent, cost);
        token.events += 1;
        token.ipCounts.set(ip, (token.ipCounts.get(ip) ?? 0) + 1);
        if (at >= token.windowStart) token.windowCost += cost;
        token.last = { at, ip, userAgent, route: routeKey };
      }
    })();
    if ((start / BATCH) % 4 === 3) log(`  ${(start + BATCH).toLocaleString("en")} usage rows…`);
  }
  log(`  indexing ${options.events.toLocaleString("en")} usage rows…`);
  for (const index of indexes) db.exec(index.sql);

  // --- Token rows -------------------------------------------------------------------------------
  const insertToken = db.prepare(
    `INSERT INTO "ApiToken" ("id", "orgId", "name", "scopes", "visibility", "status", "prefix", "lastFour", "quotaMax", "quotaRemaining", "quotaWindow",
       "quotaResetAt", "expiresAt", "createdById", "createdAt", "updatedAt", "disabledAt", "revokedAt", "lastUsedAt", "lastUsedIp", "lastUsedUserAgent", "lastUsedRoute")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertValue = db.prepare(
    `INSERT INTO "ApiTokenValue" ("id", "tokenId", "orgId", "hash", "ciphertext", "keyVersion", "lastFour", "createdAt", "createdById") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAudit = db.prepare(
    `INSERT INTO "AuditEvent" ("id", "orgId", "at", "actorUserId", "actorLabel", "action", "targetType", "targetId", "metadata", "ip") VALUES (?, ?, ?, ?, ?, 'token.created', 'token', ?, ?, '127.0.0.1')`,
  );
  const admin = users[0];
  db.transaction(() => {
    tokens.forEach((token, index) => {
      const plaintext = generateTokenValue();
      const { ciphertext, keyVersion } = encryptTokenValue(keyring, plaintext, token.valueId);
      const lastFour = tokenLastFour(plaintext);
      const roll = r.next();
      const status = roll < 0.92 ? "ACTIVE" : roll < 0.97 ? "DISABLED" : "REVOKED";
      const expiryRoll = r.next();
      const expiresAt =
        expiryRoll < 0.7
          ? null
          : expiryRoll < 0.95
            ? nowMs + (8 + r.int(360)) * DAY_MS
            : expiryRoll < 0.98
              ? nowMs + r.int(7 * DAY_MS)
              : nowMs - r.int(60) * DAY_MS;
      // Quotas sized to use: most have room, a few are close to (or at) their limit.
      const nearLimit = r.next() < 0.03;
      const quotaMax = Math.max(100, Math.ceil(token.windowCost * (nearLimit ? 1 + r.next() * 0.08 : 2 + r.next() * 8)));
      // Idle tokens: some were used long ago, some never.
      const last =
        token.last ??
        (r.next() < 0.6
          ? { at: nowMs - (days + r.int(200)) * DAY_MS, ip: token.ips[0], userAgent: token.userAgents[0], route: token.profile.routes[0] }
          : null);
      const name = `${r.pick(NAME_PARTS)}-${token.profile.name.toLowerCase().replaceAll(" ", "-")}-${String(index).padStart(5, "0")}`;
      const scopes = serializeScopes(token.profile.scopes);
      insertToken.run(
        token.id,
        orgId,
        name,
        scopes,
        r.next() < 0.5 ? "ORGANIZATION" : "ADMIN_ONLY",
        status,
        TOKEN_PREFIX,
        lastFour,
        quotaMax,
        Math.max(0, quotaMax - token.windowCost),
        token.window,
        nextQuotaReset(token.window, now).getTime(),
        expiresAt,
        admin.id,
        Math.min(token.createdAt, last?.at ?? token.createdAt),
        nowMs,
        status === "DISABLED" ? nowMs - DAY_MS : null,
        status === "REVOKED" ? nowMs - DAY_MS : null,
        last?.at ?? null,
        last?.ip ?? null,
        last?.userAgent ?? null,
        last?.route ?? null,
      );
      insertValue.run(
        token.valueId,
        token.id,
        orgId,
        hashTokenValue(plaintext),
        status === "REVOKED" ? null : ciphertext,
        keyVersion,
        lastFour,
        token.createdAt,
        admin.id,
      );
      insertAudit.run(
        randomUUID(),
        orgId,
        token.createdAt,
        admin.id,
        admin.email,
        token.id,
        JSON.stringify({ name, scopes: token.profile.scopes }),
      );
    });
  })();

  log("  rolling up usage…");
  db.transaction(() => {
    for (const sql of rebuildRollupStatements("sqlite")) db.exec(sql);
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();

  const busiest = tokens.reduce((a, b) => (b.events > a.events ? b : a));
  const busiestIp = [...busiest.ipCounts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a), ["", 0])[0];
  log(
    `seeded ${options.tokens.toLocaleString("en")} tokens and ${options.events.toLocaleString("en")} usage rows into ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { orgId, busiestTokenId: busiest.id, busiestTokenEvents: busiest.events, busiestTokenIp: busiestIp };
}

async function main() {
  const { values } = parseArgs({
    options: {
      tokens: { type: "string", default: "10000" },
      events: { type: "string", default: "1000000" },
      days: { type: "string", default: "30" },
      db: { type: "string", default: "data/bench/keyward.db" },
      fresh: { type: "boolean", default: false },
    },
  });
  const count = (name: string, text: string) => {
    const n = Number(text.replaceAll("_", ""));
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number (got "${text}")`);
    return n;
  };
  const file = resolve(values.db);
  if (existsSync(file) && !values.fresh) console.log(`adding to ${file} (pass --fresh to start over)`);
  const result = await seedBenchDatabase({
    file,
    tokens: count("tokens", values.tokens),
    events: count("events", values.events),
    days: count("days", values.days),
    fresh: values.fresh,
  });
  console.log(`busiest token ${result.busiestTokenId} (${result.busiestTokenEvents.toLocaleString("en")} rows)`);
  console.log(`serve it: DATABASE_URL=file:${file} KEYWARD_DATA_DIR=${dirname(file)} KEYWARD_DEMO=0 npm start`);
  console.log(`sign in as ${BENCH_ADMIN_EMAIL} or ${BENCH_MEMBER_EMAIL}, password ${BENCH_PASSWORD}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, "seed.ts")) {
  main().catch((error: unknown) => {
    console.error(`bench:seed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
