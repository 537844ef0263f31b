import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { hashTokenValue } from "@/lib/tokens";

import { callApi, insertToken, startApiServer, type TestApiServer, type TestToken } from "../support/api";
import { createTestOrg } from "../support/request-as";

// Token management through the API follows the dashboard's rules, with the calling token as the
// audited actor, and no token can obtain or shape a token more powerful than itself.

let server: TestApiServer;
let org: { id: string; slug: string };
let otherOrg: { id: string; slug: string };
let manager: TestToken;

beforeAll(async () => {
  server = await startApiServer();
  ({ org } = await createTestOrg("manage"));
  ({ org: otherOrg } = await createTestOrg("manage-other"));
  manager = await insertToken(org.id, { name: "manager", scopes: ["api-tokens", "report:read", "report:write"] });
});

afterAll(async () => {
  await server.close();
});

const post = (path: string, json: unknown, token = manager.value) =>
  callApi(server.url, `/v0/orgs/${org.slug}${path}`, { token, method: "POST", json });
const sri = (value: string) => `sha256-${Buffer.from(hashTokenValue(value), "hex").toString("base64")}`;

describe("what a token may grant", () => {
  it("creates a token with scopes it holds, with the calling token recorded as creator and actor", async () => {
    const response = await post("/api-tokens", {
      name: "ci",
      scopes: ["report:read"],
      visibility: "admin",
      max_quota: 50,
      quota_window: "daily",
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const created = await db.apiToken.findUniqueOrThrow({ where: { id: response.body.group_uuid } });
    expect(created).toMatchObject({
      orgId: org.id,
      name: "ci",
      scopes: "report:read",
      visibility: "ADMIN_ONLY",
      quotaMax: 50,
      quotaWindow: "DAILY",
      createdByTokenId: manager.tokenId,
      createdById: null,
    });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: created.id, action: "token.created" } });
    expect(audit).toMatchObject({ actorTokenId: manager.tokenId, actorUserId: null, actorLabel: "manager", ip: "127.0.0.1" });
  });

  it("refuses a quota of 0 on create and update (400, field named) but keeps Socket's contract that scopes may be empty", async () => {
    const before = await db.apiToken.count({ where: { orgId: org.id } });
    const zero = await post("/api-tokens", { name: "no calls", scopes: ["report:read"], max_quota: 0 });
    expect(zero.status).toBe(400);
    expect(JSON.stringify(zero.body)).toContain("max_quota");
    expect(await db.apiToken.count({ where: { orgId: org.id } })).toBe(before);

    const scopeless = await post("/api-tokens", { name: "quota checker", scopes: [], max_quota: 10 });
    expect(scopeless.status, JSON.stringify(scopeless.body)).toBe(200);
    const update = await post(`/tokens/${scopeless.body.group_uuid}/update`, { max_quota: 0 });
    expect(update.status).toBe(400);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: scopeless.body.group_uuid } })).quotaMax).toBe(10);
  });

  it("refuses to grant a scope it does not hold, naming it, and creates nothing", async () => {
    const before = await db.apiToken.count({ where: { orgId: org.id } });
    const response = await post("/tokens", { name: "too strong", scopes: ["report:read", "repo:list"] });
    expect(response.status).toBe(403);
    expect(response.body.error.details).toEqual({ rule: "no-widening", wider: { scopes: ["repo:list"] } });
    expect(await post("/tokens", { scopes: ["report"] })).toMatchObject({ status: 403 });
    expect(await db.apiToken.count({ where: { orgId: org.id } })).toBe(before);
  });

  it("may grant a parent scope when it holds every child of it", async () => {
    const holder = await insertToken(org.id, { scopes: ["api-tokens:create", "report:list", "report:read", "report:write"] });
    const response = await post("/tokens", { scopes: ["report"] }, holder.value);
    expect(response.status).toBe(200);
  });

  it("refuses to widen a token's scopes beyond its own, and to change or rotate a stronger token", async () => {
    const weak = await insertToken(org.id, { scopes: ["report:read"] });
    const widen = await post("/api-tokens/update", { uuid: weak.tokenId, scopes: ["report:read", "repo:list"] });
    expect(widen.status).toBe(403);
    const strong = await insertToken(org.id, { scopes: ["repo", "audit-log"] });
    expect((await post("/api-tokens/update", { uuid: strong.tokenId, name: "renamed" })).status).toBe(403);
    expect((await post(`/tokens/${strong.tokenId}/rotate`, {})).status).toBe(403);
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: strong.tokenId } })).toMatchObject({ version: 1, scopes: "repo audit-log" });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: weak.tokenId } })).scopes).toBe("report:read");
  });

  it("may revoke a stronger token: revoking takes power away", async () => {
    const strong = await insertToken(org.id, { scopes: ["repo"] });
    const response = await post("/api-tokens/revoke", { uuid: strong.tokenId });
    expect(response).toMatchObject({ status: 200, body: { status: "revoked" } });
    expect(await callApi(server.url, "/v0/quota", { token: strong.value })).toMatchObject({ status: 401 });
  });

  it("can revoke itself, and is refused on its next request", async () => {
    const self = await insertToken(org.id, { scopes: ["api-tokens:revoke"] });
    expect((await post("/api-tokens/revoke", { token: self.value }, self.value)).status).toBe(200);
    expect((await callApi(server.url, "/v0/quota", { token: self.value })).status).toBe(401);
  });
});

describe("naming the token to act on", () => {
  it("accepts uuid, value id, the value itself or its hash, in the body or the path", async () => {
    for (const identify of [
      (t: TestToken) => ({ uuid: t.tokenId }),
      (t: TestToken) => ({ id: t.valueId }),
      (t: TestToken) => ({ id: t.tokenId }),
      (t: TestToken) => ({ token: t.value }),
      (t: TestToken) => ({ hash: sri(t.value) }),
      (t: TestToken) => ({ hash: hashTokenValue(t.value) }),
      (t: TestToken) => ({ uuid: t.tokenId, hash: sri(t.value) }),
    ]) {
      const target = await insertToken(org.id, { scopes: ["report:read"] });
      const response = await post("/api-tokens/update", { ...identify(target), name: "found" });
      expect(response.status, JSON.stringify(identify(target))).toBe(200);
      expect(response.body).toEqual({ hash: sri(target.value) });
      expect((await db.apiToken.findUniqueOrThrow({ where: { id: target.tokenId } })).name).toBe("found");
    }
    const byValueId = await insertToken(org.id);
    expect((await post(`/tokens/${byValueId.valueId}/update`, { name: "via path" })).status).toBe(200);
  });

  it("refuses identifiers that are missing (400), unknown or another org's (404), or disagree (400)", async () => {
    const a = await insertToken(org.id);
    const b = await insertToken(org.id);
    const foreign = await insertToken(otherOrg.id);
    expect((await post("/api-tokens/rotate", {})).status).toBe(400);
    expect((await post("/api-tokens/rotate", { uuid: "00000000-0000-4000-8000-000000000000" })).status).toBe(404);
    expect((await post("/api-tokens/rotate", { uuid: foreign.tokenId })).status).toBe(404);
    expect((await post("/api-tokens/rotate", { token: foreign.value })).status).toBe(404);
    expect((await post(`/tokens/${foreign.tokenId}/revoke`, {})).status).toBe(404);
    expect((await post("/api-tokens/rotate", { uuid: a.tokenId, hash: sri(b.value) })).status).toBe(400);
    expect((await post("/api-tokens/rotate", { hash: "sha256-nonsense" })).status).toBe(404);
    expect(await callApi(server.url, "/v0/quota", { token: foreign.value })).toMatchObject({ status: 200 });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: a.tokenId } })).version).toBe(1);
  });

  it("does not find revoked tokens", async () => {
    const gone = await insertToken(org.id);
    expect((await post("/api-tokens/revoke", { uuid: gone.tokenId })).status).toBe(200);
    expect((await post("/api-tokens/rotate", { uuid: gone.tokenId })).status).toBe(404);
    const list = await callApi(server.url, `/v0/orgs/${org.slug}/tokens`, { token: manager.value });
    expect(list.body.tokens.map((t: { group_uuid: string }) => t.group_uuid)).not.toContain(gone.tokenId);
  });
});

describe("rotation", () => {
  it("keeps the old value working for the grace period asked for", async () => {
    const target = await insertToken(org.id, { scopes: ["report:read"] });
    const response = await post("/api-tokens/rotate", { uuid: target.tokenId, grace_seconds: 3600 });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ group_uuid: target.tokenId, hash: sri(response.body.token), created_by: target.createdById });
    expect(response.body.id).not.toBe(target.valueId);
    expect((await callApi(server.url, "/v0/quota", { token: target.value })).status).toBe(200);
    expect((await callApi(server.url, "/v0/quota", { token: response.body.token })).status).toBe(200);
    const old = await db.apiTokenValue.findUniqueOrThrow({ where: { id: target.valueId } });
    expect(old.validUntil!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
  });

  it("answers with no-store, since the body carries a token value", async () => {
    const target = await insertToken(org.id);
    const response = await post(`/tokens/${target.tokenId}/rotate`, {});
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});

describe("listing", () => {
  it("pages newest first, and includes values only of tokens that can do no more than itself, auditing each", async () => {
    const { org: listOrg } = await createTestOrg("list");
    const lister = await insertToken(listOrg.id, { name: "lister", scopes: ["api-tokens:list", "report:read"] });
    const visible = await insertToken(listOrg.id, { scopes: ["report:read"], visibility: "ORGANIZATION" });
    const adminOnly = await insertToken(listOrg.id, { scopes: ["report:read"], visibility: "ADMIN_ONLY" });
    const stronger = await insertToken(listOrg.id, { scopes: ["repo"], visibility: "ORGANIZATION" });
    // Distinct creation times, oldest first in insertion order.
    for (const [index, token] of [lister, visible, adminOnly, stronger].entries()) {
      await db.apiToken.update({ where: { id: token.tokenId }, data: { createdAt: new Date(Date.UTC(2026, 0, 1 + index)) } });
    }
    const path = `/v0/orgs/${listOrg.slug}/api-tokens`;
    const page1 = await callApi(server.url, `${path}?per_page=3`, { token: lister.value });
    expect(page1.body.tokens.map((t: { group_uuid: string }) => t.group_uuid)).toEqual([
      stronger.tokenId,
      adminOnly.tokenId,
      visible.tokenId,
    ]);
    expect(page1.body.nextPage).toBe(2);
    const page2 = await callApi(server.url, `${path}?per_page=3&page=2`, { token: lister.value });
    expect(page2.body).toMatchObject({ tokens: [{ group_uuid: lister.tokenId }], nextPage: null });

    const withValues = await callApi(server.url, `${path}?token_values=include`, { token: lister.value });
    const values = Object.fromEntries(
      withValues.body.tokens.map((t: { group_uuid: string; token: string | null }) => [t.group_uuid, t.token]),
    );
    expect(values).toEqual({
      [visible.tokenId]: visible.value,
      [adminOnly.tokenId]: adminOnly.value,
      [stronger.tokenId]: null,
      [lister.tokenId]: lister.value,
    });
    expect(withValues.headers.get("cache-control")).toBe("no-store");
    const reveals = await db.auditEvent.findMany({ where: { orgId: listOrg.id, action: "token.revealed" } });
    expect(reveals.map((event) => event.targetId).sort()).toEqual([visible.tokenId, adminOnly.tokenId, lister.tokenId].sort());
    expect(reveals.every((event) => event.actorTokenId === lister.tokenId)).toBe(true);
  });
});
