import { randomBytes, randomUUID } from "node:crypto";

import { hashPassword } from "../auth/password";
import { scopeForRoute } from "../domain/usage/scope-usage";
import { scopeGrants, type Scope, type TokenKeyring } from "../tokens";
import { auditRow } from "./audit";
import type { Db } from "./client";
import { newTokenRows } from "./token-store";
import { insertUsageWithRollups } from "./usage-rollups";

export const DEMO_PASSWORD = "keyward-demo";

export const DEMO_USERS = [
  { email: "admin@acme.test", name: "Ada Admin", org: "acme", role: "ADMIN" },
  { email: "member@acme.test", name: "Max Member", org: "acme", role: "MEMBER" },
  { email: "admin@globex.test", name: "Gloria Globex", org: "globex", role: "ADMIN" },
] as const;

const DEMO_ORGS = [
  { slug: "acme", name: "Acme Inc.", plan: "team" },
  { slug: "globex", name: "Globex", plan: "free" },
] as const;

type DemoToken = {
  org: "acme" | "globex";
  name: string;
  scopes: Scope[];
  visibility: "ADMIN_ONLY" | "ORGANIZATION";
  quotaMax: number;
  status?: "DISABLED";
  requests: number;
};

const DEMO_TOKENS: DemoToken[] = [
  {
    org: "acme",
    name: "CI pipeline",
    scopes: ["report:read", "report:write"],
    visibility: "ORGANIZATION",
    quotaMax: 10_000,
    requests: 180,
  },
  {
    org: "acme",
    name: "Developer laptops",
    scopes: ["report:read", "report:write"],
    visibility: "ORGANIZATION",
    quotaMax: 1_000,
    requests: 60,
  },
  { org: "acme", name: "Security scanner", scopes: ["report", "repo"], visibility: "ADMIN_ONLY", quotaMax: 50_000, requests: 240 },
  { org: "acme", name: "Token automation", scopes: ["api-tokens", "audit-log"], visibility: "ADMIN_ONLY", quotaMax: 1_000, requests: 12 },
  { org: "acme", name: "Legacy deploy", scopes: ["repo:list"], visibility: "ADMIN_ONLY", quotaMax: 1_000, status: "DISABLED", requests: 5 },
  { org: "globex", name: "Globex CI", scopes: ["report"], visibility: "ORGANIZATION", quotaMax: 5_000, requests: 40 },
];

const ROUTES = ["GET /v0/quota", "GET /v0/report/list", "PUT /v0/report/upload", "GET /v0/orgs/{org}/repos", "GET /v0/report/view/{id}"];
const USER_AGENTS = ["socket-cli/1.0.0 (node 20)", "socketsecurity-sdk/1.4.0", "curl/8.5.0", "GitHub-Actions/2.319"];
const IPS = ["203.0.113.7", "198.51.100.23", "192.0.2.14", "203.0.113.99"];

/** Seeds the demo organizations once, on an empty database. Returns false when there was data already. */
export async function seedDemoData(db: Db, keyring: TokenKeyring, now = new Date()): Promise<boolean> {
  if ((await db.org.count()) > 0) return false;

  const orgIds = new Map<string, string>();
  for (const org of DEMO_ORGS) {
    const created = await db.org.create({ data: org, select: { id: true } });
    orgIds.set(org.slug, created.id);
  }
  const userIds = new Map<string, string>();
  for (const user of DEMO_USERS) {
    const created = await db.user.create({
      data: { email: user.email, name: user.name, passwordHash: await hashPassword(DEMO_PASSWORD) },
      select: { id: true },
    });
    userIds.set(user.email, created.id);
    await db.membership.create({ data: { userId: created.id, orgId: orgIds.get(user.org)!, role: user.role } });
  }

  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];

  for (const demo of DEMO_TOKENS) {
    const orgId = orgIds.get(demo.org)!;
    const admin = DEMO_USERS.find((u) => u.org === demo.org && u.role === "ADMIN")!;
    const createdAt = new Date(now.getTime() - 20 * 24 * 3600_000);
    const rows = newTokenRows(
      keyring,
      {
        orgId,
        name: demo.name,
        scopes: demo.scopes,
        visibility: demo.visibility,
        quotaMax: demo.quotaMax,
        quotaWindow: "MONTHLY",
        expiresAt: null,
        createdById: userIds.get(admin.email)!,
      },
      createdAt,
    );
    const events = Array.from({ length: demo.requests }, (_, i) => {
      const route = pick(ROUTES);
      const scope = scopeForRoute(route);
      // A call outside the token's scopes is refused, as the API would.
      const status = scope && !scopeGrants(demo.scopes, scope) ? 403 : random() < 0.9 ? 200 : pick([401, 403, 404, 429]);
      return {
        requestId: randomUUID(),
        tokenId: rows.token.id,
        valueId: rows.value.id,
        orgId,
        at: new Date(now.getTime() - Math.floor(((demo.requests - i) / demo.requests) * 7 * 24 * 3600_000 * random())),
        method: route.split(" ")[0],
        route: route.split(" ")[1],
        status,
        ip: pick(IPS),
        userAgent: pick(USER_AGENTS),
        cost: route.endsWith("quota") || status !== 200 ? 0 : 1,
      };
    }).sort((a, b) => a.at.getTime() - b.at.getTime());
    const last = events.at(-1);
    const charged = events.reduce((sum, e) => sum + e.cost, 0);
    await db.apiToken.create({
      data: {
        ...rows.token,
        quotaRemaining: demo.quotaMax - charged,
        status: demo.status ?? "ACTIVE",
        disabledAt: demo.status ? now : null,
        lastUsedAt: last?.at ?? null,
        lastUsedIp: last?.ip ?? null,
        lastUsedUserAgent: last?.userAgent ?? null,
        lastUsedRoute: last ? `${last.method} ${last.route}` : null,
      },
    });
    await db.apiTokenValue.create({ data: rows.value });
    await insertUsageWithRollups(db, events);
    await db.auditEvent.create({
      data: {
        ...auditRow({
          orgId,
          actor: { type: "user", userId: userIds.get(admin.email)!, label: admin.email },
          action: "token.created",
          target: { type: "token", id: rows.token.id },
          metadata: { name: demo.name, scopes: demo.scopes, visibility: demo.visibility, quotaMax: demo.quotaMax },
          ip: "127.0.0.1",
        }),
        at: createdAt,
      },
    });
  }

  const repos = { acme: ["web", "api", "infra"], globex: ["rocket"] } as const;
  for (const [org, slugs] of Object.entries(repos)) {
    const orgId = orgIds.get(org)!;
    for (const slug of slugs) {
      await db.repo.create({ data: { orgId, slug, name: slug, description: `The ${slug} repository`, defaultBranch: "main" } });
      await db.report.create({
        data: {
          id: randomBytes(16).toString("hex"),
          orgId,
          repo: slug,
          branch: "main",
          commit: randomBytes(20).toString("hex"),
          owner: org,
          healthy: true,
          score: JSON.stringify({ avgSupplyChainRisk: 0.82, avgQuality: 0.9, avgMaintenance: 0.86, avgVulnerability: 1, avgLicense: 1 }),
          files: JSON.stringify(["package.json", "package-lock.json"]),
        },
      });
    }
  }
  return true;
}
