import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { createToken, revealToken, type TokenActor } from "@/lib/db/token-mutations";
import { expiryWithin } from "@/lib/domain/tokens/authority";
import { deserializeScopes, hashTokenValue, scopesCovered, type Scope } from "@/lib/tokens";

import { callApi, startApiServer, type TestApiServer } from "../support/api";
import { createTestOrg } from "../support/request-as";

// A member holds the values of the organization-visible tokens an admin made (the dashboard lets
// them copy those), and then makes any sequence of token-management calls with any value they
// hold, gathering every value an answer gives them. Whatever the sequence:
// - the member never holds a working value of an admin-only token;
// - every token is within what the admin gave the member (the organization-visible roots):
//   scopes, quota, expiry; the admin-only tokens are untouched;
// - a replaced value never manages anything.

const DAY = 24 * 3600_000;
const MANAGEMENT_SCOPES: Scope[] = [
  "api-tokens",
  "api-tokens:list",
  "api-tokens:create",
  "api-tokens:update",
  "api-tokens:rotate",
  "api-tokens:revoke",
];
const OTHER_SCOPES: Scope[] = ["report", "report:read", "repo:list"];

const scopesArb = fc
  .tuple(fc.subarray(MANAGEMENT_SCOPES, { minLength: 1 }), fc.subarray(OTHER_SCOPES))
  .map(([management, other]) => [...management, ...other]);
const expiryDaysArb = fc.option(fc.integer({ min: 1, max: 90 }), { nil: null });
const visibilityArb = fc.constantFrom("ADMIN_ONLY" as const, "ORGANIZATION" as const);
const rootArb = fc.record({
  scopes: scopesArb,
  quotaMax: fc.integer({ min: 300, max: 5_000 }),
  expiryDays: expiryDaysArb,
  visibility: visibilityArb,
});

const opArb = fc.oneof(
  fc.record({
    kind: fc.constant("create" as const),
    actor: fc.nat(),
    scopes: fc.subarray([...MANAGEMENT_SCOPES, ...OTHER_SCOPES]),
    quotaMax: fc.integer({ min: 1, max: 10_000 }),
    expiryDays: expiryDaysArb,
    visibility: fc.constantFrom("admin", "organization"),
  }),
  fc.record({
    kind: fc.constant("update" as const),
    actor: fc.nat(),
    target: fc.nat(),
    patch: fc.record(
      {
        scopes: fc.subarray([...MANAGEMENT_SCOPES, ...OTHER_SCOPES]),
        max_quota: fc.integer({ min: 1, max: 10_000 }),
        expires_at: expiryDaysArb.map((days) => (days === null ? null : new Date(Date.now() + days * DAY).toISOString())),
        visibility: fc.constantFrom("admin", "organization"),
        quota_window: fc.constantFrom("hourly", "monthly"),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ kind: fc.constant("rotate" as const), actor: fc.nat(), target: fc.nat(), grace: fc.constantFrom(0, 3600) }),
  fc.record({ kind: fc.constant("revoke" as const), actor: fc.nat(), target: fc.nat() }),
  fc.record({ kind: fc.constant("list" as const), actor: fc.nat() }),
);

let server: TestApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server.close();
});

describe("token management by a member holding organization-visible values", () => {
  it("never ends with the member holding an admin-only value, a token wider than the member was given, or a replaced value that managed anything", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rootArb, { minLength: 1, maxLength: 3 }),
        fc.array(opArb, { minLength: 1, maxLength: 10 }),
        async (roots, ops) => {
          const { org, admin, member } = await createTestOrg("authority-prop");
          const adminActor: TokenActor = { kind: "user", userId: admin.id, label: admin.email, ip: null, userAgent: null };
          const memberActor: TokenActor = { kind: "user", userId: member.id, label: member.email, ip: null, userAgent: null };
          const created = [];
          for (const [index, root] of roots.entries()) {
            const expiresAt = root.expiryDays === null ? null : new Date(Date.now() + root.expiryDays * DAY);
            const { token } = await createToken(adminActor, org.id, {
              name: `root ${index}`,
              scopes: root.scopes,
              visibility: root.visibility,
              quotaMax: root.quotaMax,
              quotaWindow: "MONTHLY",
              expiresAt,
            });
            created.push({ id: token.id, ...root, expiresAt });
          }
          const given = created.filter((root) => root.visibility === "ORGANIZATION");
          const adminOnlyBefore = await db.apiToken.findMany({
            where: { orgId: org.id, visibility: "ADMIN_ONLY" },
            orderBy: { id: "asc" },
          });

          // What the member holds: every value of an organization-visible token, copied in the dashboard.
          const held = new Set<string>();
          const replaced = new Set<string>();
          const copyVisible = async () => {
            for (const token of await db.apiToken.findMany({
              where: { orgId: org.id, visibility: "ORGANIZATION", status: "ACTIVE" },
              select: { id: true },
            })) {
              const value = await revealToken(memberActor, org.id, token.id, "MEMBER").catch(() => null);
              if (value) held.add(value);
            }
          };
          await copyVisible();

          for (const op of ops) {
            const values = [...held];
            if (values.length === 0) break;
            const value = values[op.actor % values.length];
            const tokens = await db.apiToken.findMany({ where: { orgId: org.id }, orderBy: { createdAt: "asc" }, select: { id: true } });
            const target = "target" in op ? tokens[op.target % tokens.length].id : null;
            const base = `/v0/orgs/${org.slug}/tokens`;
            const post = (path: string, json: unknown) => callApi(server.url, path, { token: value, method: "POST", json });
            const response =
              op.kind === "create"
                ? await post(base, {
                    name: "minted",
                    scopes: op.scopes,
                    max_quota: op.quotaMax,
                    visibility: op.visibility,
                    expires_at: op.expiryDays === null ? null : new Date(Date.now() + op.expiryDays * DAY).toISOString(),
                  })
                : op.kind === "update"
                  ? await post(`${base}/${target}/update`, op.patch)
                  : op.kind === "rotate"
                    ? await post(`${base}/${target}/rotate`, { grace_seconds: op.grace })
                    : op.kind === "revoke"
                      ? await post(`${base}/${target}/revoke`, {})
                      : await callApi(server.url, `${base}?token_values=include`, { token: value });

            if (replaced.has(value))
              expect(response.status, `a replaced value managed tokens: ${JSON.stringify(response.body)}`).not.toBe(200);
            expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
            if (response.status === 200) {
              if (typeof response.body.token === "string") held.add(response.body.token);
              for (const listed of response.body.tokens ?? []) if (listed.token) held.add(listed.token);
              if (op.kind === "rotate") {
                for (const old of await db.apiTokenValue.findMany({
                  where: { tokenId: target!, replacedAt: { not: null } },
                  select: { hash: true },
                })) {
                  for (const heldValue of held) if (hashTokenValue(heldValue) === old.hash) replaced.add(heldValue);
                }
              }
            }
            await copyVisible();
          }

          // No working admin-only value in the member's hands.
          const now = new Date();
          for (const heldValue of held) {
            const row = await db.apiTokenValue.findUnique({
              where: { hash: hashTokenValue(heldValue) },
              select: { validUntil: true, token: { select: { visibility: true, status: true } } },
            });
            const works = row && row.token.status !== "REVOKED" && (row.validUntil === null || row.validUntil > now);
            if (works) expect(row.token.visibility).toBe("ORGANIZATION");
          }
          // Admin-only tokens untouched (the member never held one).
          const adminOnlyAfter = await db.apiToken.findMany({
            where: { id: { in: adminOnlyBefore.map((token) => token.id) } },
            orderBy: { id: "asc" },
          });
          expect(adminOnlyAfter.map(({ lastUsedAt: _a, updatedAt: _b, ...rest }) => rest)).toEqual(
            adminOnlyBefore.map(({ lastUsedAt: _a, updatedAt: _b, ...rest }) => rest),
          );
          // Every other token within what the member was given.
          const givenScopes = given.flatMap((root) => root.scopes);
          const givenQuota = Math.max(0, ...given.map((root) => root.quotaMax));
          const givenExpiry = given.some((root) => root.expiresAt === null)
            ? null
            : new Date(Math.max(0, ...given.map((root) => root.expiresAt!.getTime())));
          const touchable = await db.apiToken.findMany({
            where: { orgId: org.id, id: { notIn: adminOnlyBefore.map((token) => token.id) } },
          });
          for (const token of touchable) {
            expect(token.visibility).toBe("ORGANIZATION");
            expect(
              scopesCovered(givenScopes, deserializeScopes(token.scopes)),
              `${token.name}: ${token.scopes} ⊄ ${givenScopes.join(" ")}`,
            ).toBe(true);
            expect(token.quotaMax).toBeLessThanOrEqual(givenQuota);
            expect(expiryWithin(token.expiresAt, givenExpiry), `${token.name} expires ${token.expiresAt?.toISOString()}`).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 240_000);
});
