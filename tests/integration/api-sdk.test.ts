import { SocketSdk } from "@socketsecurity/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { hashTokenValue } from "@/lib/tokens";

import { callApi, insertToken, startApiServer, type TestApiServer, type TestToken } from "../support/api";
import { createTestOrg } from "../support/request-as";

// The real Socket client (@socketsecurity/sdk, pinned in package.json) pointed at Keyward, as a
// user would: `new SocketSdk(token, { baseUrl: "<keyward>/v0/" })`.

let server: TestApiServer;
let org: { id: string; slug: string; name: string };
let admin: TestToken;
let otherOrg: { id: string; slug: string };
const sdk = (token: string) => new SocketSdk(token, { baseUrl: `${server.url}/v0/`, retries: 0 });

beforeAll(async () => {
  server = await startApiServer();
  ({ org } = await createTestOrg("sdk"));
  ({ org: otherOrg } = await createTestOrg("sdk-other"));
  admin = await insertToken(org.id, { name: "automation", scopes: ["repo", "report", "api-tokens"], quotaMax: 5_000 });
  const base = Date.UTC(2026, 0, 1);
  for (const [index, slug] of ["web", "api", "infra"].entries()) {
    await db.repo.create({
      data: {
        orgId: org.id,
        slug,
        name: slug,
        description: `The ${slug} repo`,
        createdAt: new Date(base + index * 60_000),
        visibility: index === 0 ? "public" : "private",
      },
    });
  }
  await db.repo.create({ data: { orgId: org.id, slug: "old", name: "old", archived: true, createdAt: new Date(base - 60_000) } });
  await db.repo.create({ data: { orgId: otherOrg.id, slug: "secret", name: "secret" } });
});

afterAll(async () => {
  await server.close();
});

describe("the Socket SDK against Keyward", () => {
  it("reads the quota, charging nothing for it", async () => {
    const first = await sdk(admin.value).getQuota();
    const second = await sdk(admin.value).getQuota();
    expect(first.success).toBe(true);
    if (!first.success || !second.success) return;
    expect(first.data.maxQuota).toBe(5_000);
    expect(second.data.quota).toBe(first.data.quota);
    expect(new Date(first.data.nextWindowRefresh!).getTime()).toBeGreaterThan(Date.now());
  });

  it("lists the token's organization", async () => {
    const result = await sdk(admin.value).listOrganizations();
    expect(result.success).toBe(true);
    expect(result.data?.organizations).toEqual({ [org.id]: { id: org.id, name: org.name, image: null, plan: "free", slug: org.slug } });
  });

  it("lists repositories, sorted and paged, without archived ones or other orgs'", async () => {
    const client = sdk(admin.value);
    const all = await client.listRepositories(org.slug);
    expect(all.success).toBe(true);
    expect(all.data?.results.map((repo) => repo.slug)).toEqual(["infra", "api", "web"]);
    expect(all.data?.results[2]).toMatchObject({
      slug: "web",
      visibility: "public",
      archived: false,
      default_branch: "main",
      description: "The web repo",
      integration_meta: null,
    });

    const page1 = await client.listRepositories(org.slug, { sort: "name", direction: "asc", per_page: 2, page: 1 });
    expect(page1.data?.results.map((repo) => repo.slug)).toEqual(["api", "infra"]);
    expect(page1.data?.nextPage).toBe(2);
    const page2 = await client.listRepositories(org.slug, { sort: "name", direction: "asc", per_page: 2, page: 2 });
    expect(page2.data?.results.map((repo) => repo.slug)).toEqual(["web"]);
    expect(page2.data?.nextPage).toBeNull();

    const withArchived = await client.listRepositories(org.slug, { include_archived: true });
    expect(withArchived.data?.results.map((repo) => repo.slug)).toContain("old");
  });

  it("gets a 404 for another organization's repositories, and 401 for an unknown token", async () => {
    const other = await sdk(admin.value).listRepositories(otherOrg.slug);
    expect(other).toMatchObject({ success: false, status: 404 });
    const unknown = await sdk("kw_" + "A".repeat(36)).getQuota();
    expect(unknown).toMatchObject({ success: false, status: 401 });
  });

  it("reads the telemetry config (always off)", async () => {
    const result = await sdk(admin.value).getOrgTelemetryConfig(org.slug);
    expect(result).toMatchObject({ success: true, data: { telemetry: { enabled: false } } });
  });

  it("creates, lists, updates, rotates and revokes tokens", async () => {
    const client = sdk(admin.value);
    const created = await client.postAPIToken(org.slug, {
      name: "ci",
      scopes: ["report:read", "report:write"],
      visibility: "admin",
      max_quota: 250,
    });
    expect(created.success).toBe(true);
    if (!created.success) return;
    const { token: value, group_uuid: groupId, hash } = created.data;
    expect(value).toMatch(/^kw_[0-9A-Za-z]{36}$/);
    expect(hash).toBe(`sha256-${Buffer.from(hashTokenValue(value), "hex").toString("base64")}`);

    // The new token works, with the settings it was created with.
    const quota = await sdk(value).getQuota();
    expect(quota).toMatchObject({ success: true, data: { quota: 250, maxQuota: 250 } });

    const listed = await client.getAPITokens(org.slug);
    expect(listed.success).toBe(true);
    const item = listed.data?.tokens.find((token) => token.group_uuid === groupId);
    expect(item).toMatchObject({ name: "ci", scopes: ["report:read", "report:write"], max_quota: 250, hash, token: null, committers: [] });
    expect(item?.visibility).toBe("admin");
    expect(JSON.stringify(listed.data)).not.toContain(value);

    const updated = await client.postAPITokenUpdate(org.slug, groupId, { name: "ci (renamed)", max_quota: 300 });
    expect(updated).toMatchObject({ success: true, data: { hash } });
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: groupId } })).toMatchObject({ name: "ci (renamed)", quotaMax: 300 });

    const rotated = await client.postAPITokensRotate(org.slug, groupId);
    expect(rotated.success).toBe(true);
    if (!rotated.success) return;
    expect(rotated.data.group_uuid).toBe(groupId);
    expect(rotated.data.token).not.toBe(value);
    expect(await sdk(value).getQuota()).toMatchObject({ success: false, status: 401 });
    expect(await sdk(rotated.data.token).getQuota()).toMatchObject({ success: true });

    const revoked = await client.postAPITokensRevoke(org.slug, groupId);
    expect(revoked).toMatchObject({ success: true, data: { status: "revoked" } });
    expect(await sdk(rotated.data.token).getQuota()).toMatchObject({ success: false, status: 401 });

    const actions = await db.auditEvent.findMany({
      where: { orgId: org.id, targetId: groupId },
      orderBy: { at: "asc" },
      select: { action: true, actorTokenId: true, actorLabel: true },
    });
    expect(actions.map((event) => event.action)).toEqual(["token.created", "token.updated", "token.rotated", "token.revoked"]);
    expect(actions.every((event) => event.actorTokenId === admin.tokenId && event.actorLabel === "automation")).toBe(true);
  });

  it("refuses, with the scope named, a call the token's scopes do not allow", async () => {
    const reportsOnly = await insertToken(org.id, { scopes: ["report:read"] });
    const result = await sdk(reportsOnly.value).listRepositories(org.slug);
    expect(result).toMatchObject({ success: false, status: 403 });
    expect(result.error).toContain("repo:list");
  });

  it("records each call as usage and as the token's last use", async () => {
    const token = await insertToken(org.id, { scopes: ["repo:list"] });
    await sdk(token.value).listRepositories(org.slug);
    await server.handler.flush();
    const events = await db.usageEvent.findMany({ where: { tokenId: token.tokenId } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      method: "GET",
      route: "/v0/orgs/{org}/repos",
      status: 200,
      ip: "127.0.0.1",
      cost: 1,
      valueId: token.valueId,
    });
    expect(events[0].userAgent).toMatch(/socket/i);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } });
    expect(row).toMatchObject({ lastUsedIp: "127.0.0.1", lastUsedRoute: "GET /v0/orgs/{org}/repos", quotaRemaining: 999 });
    expect(row.lastUsedAt).not.toBeNull();
    // Plain HTTP agrees with what the SDK saw.
    const plain = await callApi(server.url, "/v0/quota", { token: token.value });
    expect(plain.body.quota).toBe(999);
  });
});
