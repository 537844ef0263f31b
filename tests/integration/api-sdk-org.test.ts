import { SocketSdk } from "@socketsecurity/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";

import { callApi, insertToken, startApiServer, type TestApiServer, type TestToken } from "../support/api";
import { createTestOrg } from "../support/request-as";

// The org surface beyond tokens and repositories (audit log, telemetry, entitlements, the
// OpenAPI path, package analysis) through the real Socket SDK, pinned in package.json. Runs on
// SQLite, and on PostgreSQL through scripts/with-postgres.ts.

let server: TestApiServer;
let org: { id: string; slug: string; name: string };
let otherOrg: { id: string; slug: string };
let adminUser: { id: string; email: string };
let auditor: TestToken;
let otherAdmin: TestToken;
const sdk = (token: string) => new SocketSdk(token, { baseUrl: `${server.url}/v0/`, retries: 0 });
const quotaLeft = async (token: TestToken) =>
  (await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId }, select: { quotaRemaining: true } })).quotaRemaining;

beforeAll(async () => {
  server = await startApiServer();
  ({ org, admin: adminUser } = await createTestOrg("sdkorg"));
  ({ org: otherOrg } = await createTestOrg("sdkorg-other"));
  auditor = await insertToken(org.id, {
    name: "auditor",
    scopes: ["audit-log", "api-tokens", "telemetry-policy"],
    visibility: "ADMIN_ONLY",
    quotaMax: 5_000,
  });
  otherAdmin = await insertToken(otherOrg.id, { name: "other admin", scopes: ["audit-log", "telemetry-policy"], quotaMax: 5_000 });
});

afterAll(async () => {
  await server.close();
});

describe("the audit log through the SDK", () => {
  it("lists events newest first in Socket's shape, pages (page=0 is the first page) and filters by Socket type", async () => {
    const client = sdk(auditor.value);
    for (const name of ["ci one", "ci two", "ci three"]) {
      const created = await client.postAPIToken(org.slug, { name, scopes: ["audit-log:list"], max_quota: 10 });
      expect(created.success, JSON.stringify(created)).toBe(true);
    }
    await db.auditEvent.create({
      data: { orgId: org.id, actorUserId: adminUser.id, actorLabel: adminUser.email, action: "member.role_changed", ip: "203.0.113.7" },
    });

    const first = await client.getAuditLogEvents(org.slug, { per_page: "2", page: "0" });
    expect(first.success, JSON.stringify(first)).toBe(true);
    if (!first.success) return;
    expect(first.data.results.map((event) => event.type)).toEqual(["ChangeMemberRole", "CreateApiToken"]);
    expect(first.data.results[0]).toMatchObject({
      organization_id: org.id,
      organization_name: org.name,
      user_id: adminUser.id,
      user_email: adminUser.email,
      ip_address: "203.0.113.7",
    });
    expect(first.data.results[1]!.payload).toMatchObject({
      action: "token.created",
      actor: { kind: "token", label: "auditor" },
      details: { name: "ci three" },
    });
    expect(first.data.nextPage).toBe("2");

    const second = await client.getAuditLogEvents(org.slug, { per_page: "2", page: first.data.nextPage! });
    if (!second.success) throw new Error(JSON.stringify(second));
    expect(second.data.results.map((event) => (event.payload as { details: { name: string } }).details.name)).toEqual(["ci two", "ci one"]);
    expect(second.data.nextPage).toBeNull();

    const created = await client.getAuditLogEvents(org.slug, { type: "CreateApiToken" });
    if (!created.success) throw new Error(JSON.stringify(created));
    expect(created.data.results).toHaveLength(3);
    expect(new Set(created.data.results.map((event) => event.type))).toEqual(new Set(["CreateApiToken"]));
  });

  it("refuses an organization-visible token even with audit-log:list (403), so members never read admin-only token names", async () => {
    await insertToken(org.id, { name: "deploy key (admin only)", scopes: ["repo"], visibility: "ADMIN_ONLY" });
    await sdk(auditor.value).postAPIToken(org.slug, { name: "hidden release token", scopes: ["audit-log:list"], visibility: "admin" });
    const shared = await insertToken(org.id, { name: "shared", scopes: ["audit-log:list"], visibility: "ORGANIZATION" });

    const result = await sdk(shared.value).getAuditLogEvents(org.slug);
    expect(result.success).toBe(false);
    expect(result.status).toBe(403);
    expect(JSON.stringify(result)).not.toContain("hidden release token");

    // The visibility is read at the call: an admin-only token made organization-visible is refused at once.
    const promoted = await insertToken(org.id, { name: "promoted", scopes: ["audit-log:list"], visibility: "ADMIN_ONLY" });
    expect((await sdk(promoted.value).getAuditLogEvents(org.slug)).status).toBe(200);
    await db.apiToken.update({ where: { id: promoted.tokenId }, data: { visibility: "ORGANIZATION", version: { increment: 1 } } });
    expect((await sdk(promoted.value).getAuditLogEvents(org.slug)).status).toBe(403);
  });

  it("refuses a former admin's admin-only token (403 former-admin): reading the log ends with the person, at once", async () => {
    const { org: ownOrg, admin: owner, member } = await createTestOrg("sdkorg-former");
    const second = await db.user.create({ data: { email: `second-${ownOrg.id}@former.test`, name: "Second admin" } });
    await db.membership.create({ data: { orgId: ownOrg.id, userId: second.id, role: "ADMIN" } });
    const theirs = await insertToken(ownOrg.id, { name: "their copy", scopes: ["audit-log:list"], createdById: second.id });
    expect((await sdk(theirs.value).getAuditLogEvents(ownOrg.slug)).status).toBe(200);

    // Demoted to member: refused on the next call, though the token itself did not change.
    await db.membership.update({ where: { userId_orgId: { userId: second.id, orgId: ownOrg.id } }, data: { role: "MEMBER" } });
    const demoted = await callApi(server.url, `/v0/orgs/${ownOrg.slug}/audit-log`, { token: theirs.value });
    expect(demoted.status).toBe(403);
    expect(demoted.body.error.details).toEqual({ rule: "former-admin" });

    // Removed from the org: still refused. The remaining admin's own token still reads the log.
    await db.membership.delete({ where: { userId_orgId: { userId: second.id, orgId: ownOrg.id } } });
    expect((await callApi(server.url, `/v0/orgs/${ownOrg.slug}/audit-log`, { token: theirs.value })).status).toBe(403);
    const ownerToken = await insertToken(ownOrg.id, { name: "owner", scopes: ["audit-log:list"], createdById: owner.id });
    expect((await sdk(ownerToken.value).getAuditLogEvents(ownOrg.slug)).status).toBe(200);
    // A token made by someone who was never an admin is refused the same way.
    const members = await insertToken(ownOrg.id, { name: "member made", scopes: ["audit-log:list"], createdById: member.id });
    expect((await callApi(server.url, `/v0/orgs/${ownOrg.slug}/audit-log`, { token: members.value })).status).toBe(403);
  });

  it("an organization-visible token cannot mint itself an admin-only token to read the log", async () => {
    const shared = await insertToken(org.id, { name: "shared minter", scopes: ["api-tokens", "audit-log"], visibility: "ORGANIZATION" });
    const client = sdk(shared.value);
    const adminOnly = await client.postAPIToken(org.slug, { name: "escape", scopes: ["audit-log:list"], visibility: "admin" });
    expect(adminOnly.status).toBe(403);
    const orgVisible = await client.postAPIToken(org.slug, { name: "escape 2", scopes: ["audit-log:list"], visibility: "organization" });
    if (!orgVisible.success) throw new Error(JSON.stringify(orgVisible));
    expect((await sdk(orgVisible.data.token).getAuditLogEvents(org.slug)).status).toBe(403);
  });

  it("403 without audit-log:list, 404 for another org, 400 for a bad page size", async () => {
    const noScope = await insertToken(org.id, { scopes: ["repo"] });
    expect((await sdk(noScope.value).getAuditLogEvents(org.slug)).status).toBe(403);
    const foreign = await sdk(otherAdmin.value).getAuditLogEvents(org.slug);
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign)).not.toContain("ci one");
    const bad = await callApi(server.url, `/v0/orgs/${org.slug}/audit-log?per_page=1000`, { token: auditor.value });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual({ issues: [{ field: "query.per_page", message: expect.any(String) }] });
  });
});

describe("telemetry through the SDK", () => {
  it("stores the org's setting, which the config read then answers", async () => {
    const client = sdk(auditor.value);
    expect((await client.getOrgTelemetryConfig(org.slug)).data).toEqual({ telemetry: { enabled: false } });
    const updated = await client.updateOrgTelemetryConfig(org.slug, { enabled: true });
    expect(updated.success, JSON.stringify(updated)).toBe(true);
    expect(updated.data).toEqual({ telemetry: { enabled: true } });
    expect((await client.getOrgTelemetryConfig(org.slug)).data).toEqual({ telemetry: { enabled: true } });
    // Another org's setting is untouched.
    expect((await sdk(otherAdmin.value).getOrgTelemetryConfig(otherOrg.slug)).data).toEqual({ telemetry: { enabled: false } });
  });

  it("counts posted events, and sends them nowhere", async () => {
    const before = (await db.org.findUniqueOrThrow({ where: { id: org.id } })).telemetryEventCount;
    const posted = await sdk(auditor.value).postOrgTelemetry(org.slug, { event_type: "cli_start", session_id: "s1" });
    expect(posted).toMatchObject({ success: true, data: {} });
    await sdk(auditor.value).postOrgTelemetry(org.slug, { event_type: "cli_complete", session_id: "s1" });
    expect((await db.org.findUniqueOrThrow({ where: { id: org.id } })).telemetryEventCount).toBe(before + 2);
  });

  it("403 without telemetry-policy:update, 404 for another org, and a bad body is 400 that costs no quota", async () => {
    const noScope = await insertToken(org.id, { scopes: ["repo"] });
    expect((await sdk(noScope.value).updateOrgTelemetryConfig(org.slug, { enabled: false })).status).toBe(403);
    expect((await sdk(otherAdmin.value).updateOrgTelemetryConfig(org.slug, { enabled: false })).status).toBe(404);
    expect((await db.org.findUniqueOrThrow({ where: { id: org.id } })).telemetryEnabled).toBe(true);

    const before = await quotaLeft(auditor);
    const bad = await sdk(auditor.value).updateOrgTelemetryConfig(org.slug, { enabled: "yes" as unknown as boolean });
    expect(bad.status).toBe(400);
    expect(await quotaLeft(auditor)).toBe(before);
    const good = await sdk(auditor.value).updateOrgTelemetryConfig(org.slug, { enabled: true });
    expect(good.status).toBe(200);
    expect(await quotaLeft(auditor)).toBe(before - 1);
  });
});

describe("entitlements, the OpenAPI path and package analysis", () => {
  it("answers what this Keyward enables", async () => {
    const client = sdk(auditor.value);
    expect(await client.getEnabledEntitlements(org.slug)).toEqual(["api-tokens", "audit-log", "webhooks"]);
    expect(await client.getEntitlements(org.slug)).toContainEqual({ key: "package-analysis", enabled: false });
    await expect(sdk(otherAdmin.value).getEntitlements(org.slug)).rejects.toThrow(/404/);
  });

  it("serves the OpenAPI document at Socket's /v0/openapi as at /v0/openapi.json", async () => {
    const socketPath = await callApi(server.url, "/v0/openapi");
    const jsonPath = await callApi(server.url, "/v0/openapi.json");
    expect(socketPath.status).toBe(200);
    expect(socketPath.body).toEqual(jsonPath.body);
    expect(socketPath.body.paths["/v0/orgs/{org}/audit-log"].get["x-scope"]).toBe("audit-log:list");
  });

  it("answers package-analysis endpoints 404, saying Keyward does not provide package analysis", async () => {
    const result = await sdk(auditor.value).listFullScans(org.slug);
    expect(result.success).toBe(false);
    expect(result.status).toBe(404);
    const direct = await callApi(server.url, `/v0/orgs/${org.slug}/alerts`, { token: auditor.value });
    expect(direct.status).toBe(404);
    expect(direct.body.error.message).toContain("does not provide package analysis");
    const unknown = await callApi(server.url, `/v0/orgs/${org.slug}/no-such-thing`, { token: auditor.value });
    expect(unknown.body.error.message).toBe("No such endpoint.");
  });
});

describe("token shapes through the SDK", () => {
  it("creates with exactly Socket's fields, stores the committer and lists it with last_used_at once used", async () => {
    const client = sdk(auditor.value);
    const created = await client.postAPIToken(org.slug, {
      name: "committer bot",
      scopes: ["audit-log:list"],
      max_quota: 10,
      committer: { email: "bot@example.test", provider: "github", providerLoginName: "bot" },
    });
    if (!created.success) throw new Error(JSON.stringify(created));
    expect(Object.keys(created.data).sort()).toEqual(["created_by", "group_uuid", "hash", "token"]);

    const listed = async () => {
      const list = await client.getAPITokens(org.slug);
      if (!list.success) throw new Error(JSON.stringify(list));
      return list.data.tokens.find((token) => token.group_uuid === created.data.group_uuid)!;
    };
    expect(await listed()).toMatchObject({
      committers: [{ email: "bot@example.test", provider: "github", providerLoginName: "bot" }],
      last_used_at: null,
    });
    await sdk(created.data.token).getQuota();
    // Last use is written with the call's usage row (batched, ≤ 250 ms later).
    await server.handler.flush();
    expect(new Date((await listed()).last_used_at!).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const updated = await client.postAPITokenUpdate(org.slug, created.data.group_uuid, { committer: { email: "new@example.test" } });
    expect(updated.success, JSON.stringify(updated)).toBe(true);
    expect((await listed()).committers).toEqual([{ email: "new@example.test" }]);
  });

  it("refuses a Socket scope Keyward does not implement with 400 naming it, creating nothing", async () => {
    const before = await db.apiToken.count({ where: { orgId: org.id } });
    const result = await sdk(auditor.value).postAPIToken(org.slug, { name: "x", scopes: ["full-scans:list"] });
    expect(result.status).toBe(400);
    expect(JSON.stringify(result)).toContain("full-scans:list");
    expect(await db.apiToken.count({ where: { orgId: org.id } })).toBe(before);
  });
});
