import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { listTokensSeenBy } from "@/lib/db/queries/members";
import { createToken, revealToken, rotateToken } from "@/lib/db/token-mutations";
import type { Scope } from "@/lib/tokens";

import { callApi, insertToken, startApiServer, type TestApiServer, type TestToken } from "../support/api";
import { createTestOrg } from "../support/request-as";

// SECURITY.md, "Tokens acting on tokens": every rule tried as an attacker would, through the
// REST API (both path families), each refusal a 403 naming the rule, with nothing changed and
// the refusal audited with the token as actor.

type Org = Awaited<ReturnType<typeof createTestOrg>>;

let server: TestApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server.close();
});

const DAY = 24 * 3600_000;

/** The management calls, in both of Socket's path families. */
const FAMILIES = {
  tokens: {
    list: (slug: string) => `/v0/orgs/${slug}/tokens`,
    create: (slug: string) => `/v0/orgs/${slug}/tokens`,
    update: (slug: string, id: string) => ({ path: `/v0/orgs/${slug}/tokens/${id}/update`, body: {} }),
    rotate: (slug: string, id: string) => ({ path: `/v0/orgs/${slug}/tokens/${id}/rotate`, body: {} }),
    revoke: (slug: string, id: string) => ({ path: `/v0/orgs/${slug}/tokens/${id}/revoke`, body: {} }),
  },
  "api-tokens": {
    list: (slug: string) => `/v0/orgs/${slug}/api-tokens`,
    create: (slug: string) => `/v0/orgs/${slug}/api-tokens`,
    update: (slug: string, id: string) => ({ path: `/v0/orgs/${slug}/api-tokens/update`, body: { uuid: id } }),
    rotate: (slug: string, id: string) => ({ path: `/v0/orgs/${slug}/api-tokens/rotate`, body: { uuid: id } }),
    revoke: (slug: string, id: string) => ({ path: `/v0/orgs/${slug}/api-tokens/revoke`, body: { uuid: id } }),
  },
} as const;

const post = (path: string, token: string, json: unknown) => callApi(server.url, path, { token, method: "POST", json });

/** Everything a refusal must leave as it was: the token rows and their values. */
async function snapshot(orgId: string) {
  const tokens = await db.apiToken.findMany({
    where: { orgId },
    orderBy: { id: "asc" },
    omit: { updatedAt: true, lastUsedAt: true, lastUsedIp: true, lastUsedRoute: true, lastUsedUserAgent: true, quotaRemaining: true },
  });
  const values = await db.apiTokenValue.findMany({
    where: { orgId },
    orderBy: { id: "asc" },
    select: { id: true, validUntil: true, ciphertext: true },
  });
  return { tokens, values };
}

async function expectRefused(org: Org, actor: TestToken, call: () => ReturnType<typeof callApi>, rule: string) {
  const before = await snapshot(org.org.id);
  const refusals = await db.auditEvent.count({ where: { orgId: org.org.id, action: "token.action_refused", actorTokenId: actor.tokenId } });
  const response = await call();
  expect(response.status, JSON.stringify(response.body)).toBe(403);
  expect(response.body.error.details.rule).toBe(rule);
  expect(typeof response.body.error.message).toBe("string");
  expect(await snapshot(org.org.id)).toEqual(before);
  const audited = await db.auditEvent.findMany({
    where: { orgId: org.org.id, action: "token.action_refused", actorTokenId: actor.tokenId },
    orderBy: { at: "desc" },
  });
  expect(audited.length).toBe(refusals + 1);
  expect(JSON.parse(audited[0].metadata)).toMatchObject({ rule });
  return response;
}

describe("1. no self-widening", () => {
  let org: Org;
  let self: TestToken;
  const expiresAt = new Date(Date.now() + 30 * DAY);

  beforeAll(async () => {
    org = await createTestOrg("self-widen");
    self = await insertToken(org.org.id, {
      name: "self",
      scopes: ["api-tokens", "report:read"],
      quotaMax: 5_000,
      expiresAt,
      allowedNetworks: ["127.0.0.0/8"],
    });
  });

  for (const [family, paths] of Object.entries(FAMILIES)) {
    it(`(${family}) cannot raise its quota, extend or remove its expiry, add scopes, widen visibility or networks, or refill its quota`, async () => {
      const update = (patch: Record<string, unknown>) => {
        const { path, body } = paths.update(org.org.slug, self.tokenId);
        return () => post(path, self.value, { ...body, ...patch });
      };
      await expectRefused(org, self, update({ max_quota: 1_000_000_000 }), "no-widening");
      await expectRefused(org, self, update({ expires_at: null }), "no-widening");
      await expectRefused(org, self, update({ expires_at: new Date(Date.now() + 300 * DAY).toISOString() }), "no-widening");
      await expectRefused(org, self, update({ scopes: ["api-tokens", "report"] }), "no-widening");
      await expectRefused(org, self, update({ visibility: "organization" }), "no-widening");
      await expectRefused(org, self, update({ allowed_networks: [] }), "no-widening");
      await expectRefused(org, self, update({ allowed_networks: ["0.0.0.0/0"] }), "no-widening");
      await expectRefused(org, self, update({ quota_window: "hourly" }), "no-widening");
    });
  }

  it("may narrow itself, and sending its own settings back unchanged is no widening", async () => {
    const { path, body } = FAMILIES.tokens.update(org.org.slug, self.tokenId);
    const same = await post(path, self.value, {
      ...body,
      max_quota: 5_000,
      expires_at: expiresAt.toISOString(),
      scopes: ["api-tokens", "report:read"],
      visibility: "admin",
    });
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    const narrowed = await post(path, self.value, { ...body, max_quota: 4_000, allowed_networks: ["127.0.0.1/32"] });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: self.tokenId } })).toMatchObject({
      quotaMax: 4_000,
      allowedNetworks: "127.0.0.1/32",
    });
  });

  it("may revoke itself: whoever holds a leaked value can kill it", async () => {
    const victim = await insertToken(org.org.id, { scopes: ["api-tokens:revoke"] });
    const response = await post(FAMILIES.tokens.revoke(org.org.slug, victim.tokenId).path, victim.value, {});
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: victim.tokenId } })).status).toBe("REVOKED");
  });
});

describe("2. no widening of others", () => {
  let org: Org;
  let manager: TestToken;
  const managerExpiry = new Date(Date.now() + 30 * DAY);

  beforeAll(async () => {
    org = await createTestOrg("widen-others");
    manager = await insertToken(org.org.id, {
      name: "manager",
      scopes: ["api-tokens", "report:read"],
      quotaMax: 500,
      expiresAt: managerExpiry,
    });
  });

  for (const [family, paths] of Object.entries(FAMILIES)) {
    it(`(${family}) cannot create a token wider than itself in any way`, async () => {
      const create = (body: Record<string, unknown>) => () =>
        post(paths.create(org.org.slug), manager.value, {
          name: "child",
          scopes: ["report:read"],
          max_quota: 10,
          expires_at: managerExpiry.toISOString(),
          ...body,
        });
      await expectRefused(org, manager, create({ scopes: ["report:read", "repo:list"] }), "no-widening");
      await expectRefused(org, manager, create({ max_quota: 501 }), "no-widening");
      await expectRefused(org, manager, create({ expires_at: new Date(managerExpiry.getTime() + DAY).toISOString() }), "no-widening");
      await expectRefused(org, manager, create({ expires_at: null }), "no-widening");
      await expectRefused(org, manager, create({ visibility: "organization" }), "no-widening");
      const ok = await create({})();
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      // It acts for the same admin as the token that made it.
      expect(await db.apiToken.findUniqueOrThrow({ where: { id: ok.body.group_uuid } })).toMatchObject({
        onBehalfOfId: org.admin.id,
        createdByTokenId: manager.tokenId,
      });
    });

    it(`(${family}) cannot widen another token, nor change, rotate or read a token that can do more than itself`, async () => {
      const weak = await insertToken(org.org.id, { scopes: ["report:read"], quotaMax: 10, expiresAt: managerExpiry });
      const update = (id: string, patch: Record<string, unknown>) => {
        const { path, body } = paths.update(org.org.slug, id);
        return () => post(path, manager.value, { ...body, ...patch });
      };
      await expectRefused(org, manager, update(weak.tokenId, { max_quota: 501 }), "no-widening");
      await expectRefused(org, manager, update(weak.tokenId, { expires_at: null }), "no-widening");
      await expectRefused(org, manager, update(weak.tokenId, { visibility: "organization" }), "no-widening");

      const biggerQuota = await insertToken(org.org.id, { scopes: ["report:read"], quotaMax: 10_000, expiresAt: managerExpiry });
      const { path, body } = paths.rotate(org.org.slug, biggerQuota.tokenId);
      await expectRefused(org, manager, () => post(path, manager.value, body), "wider-target");
      const neverExpires = await insertToken(org.org.id, { scopes: ["report:read"], quotaMax: 10 });
      const rotateNever = paths.rotate(org.org.slug, neverExpires.tokenId);
      await expectRefused(org, manager, () => post(rotateNever.path, manager.value, rotateNever.body), "wider-target");
      const strongerScopes = await insertToken(org.org.id, { scopes: ["repo"], quotaMax: 10, expiresAt: managerExpiry });
      await expectRefused(org, manager, update(strongerScopes.tokenId, { name: "renamed" }), "wider-target");

      const listed = await callApi(server.url, `${paths.list(org.org.slug)}?token_values=include`, { token: manager.value });
      const values = new Map(listed.body.tokens.map((t: { group_uuid: string; token: string | null }) => [t.group_uuid, t.token]));
      expect(values.get(biggerQuota.tokenId)).toBeNull();
      expect(values.get(neverExpires.tokenId)).toBeNull();
      expect(values.get(strongerScopes.tokenId)).toBeNull();
      expect(values.get(weak.tokenId)).toBe(weak.value);
    });
  }
});

describe("3. an organization-visible token never acts on an admin-only token (a member could use it)", () => {
  let org: Org;
  let shared: TestToken;
  let secret: TestToken;

  beforeAll(async () => {
    org = await createTestOrg("org-visible");
    shared = await insertToken(org.org.id, {
      name: "shared",
      scopes: ["api-tokens", "report:read"],
      visibility: "ORGANIZATION",
      quotaMax: 1_000,
    });
    secret = await insertToken(org.org.id, { name: "secret", scopes: ["report:read"], visibility: "ADMIN_ONLY", quotaMax: 100 });
  });

  for (const [family, paths] of Object.entries(FAMILIES)) {
    it(`(${family}) update, rotate (even with no grace), revoke and create are refused; list shows no admin-only token`, async () => {
      const update = paths.update(org.org.slug, secret.tokenId);
      await expectRefused(
        org,
        shared,
        () => post(update.path, shared.value, { ...update.body, visibility: "organization" }),
        "admin-only-target",
      );
      await expectRefused(org, shared, () => post(update.path, shared.value, { ...update.body, name: "renamed" }), "admin-only-target");
      const rotate = paths.rotate(org.org.slug, secret.tokenId);
      const refused = await expectRefused(
        org,
        shared,
        () => post(rotate.path, shared.value, { ...rotate.body, grace_seconds: 0 }),
        "admin-only-target",
      );
      expect(JSON.stringify(refused.body)).not.toMatch(/kw_/);
      const revoke = paths.revoke(org.org.slug, secret.tokenId);
      await expectRefused(org, shared, () => post(revoke.path, shared.value, revoke.body), "admin-only-target");
      await expectRefused(
        org,
        shared,
        () =>
          post(paths.create(org.org.slug), shared.value, { name: "hidden", scopes: ["report:read"], max_quota: 10, visibility: "admin" }),
        "admin-only-target",
      );

      const listed = await callApi(server.url, `${paths.list(org.org.slug)}?token_values=include`, { token: shared.value });
      expect(listed.status).toBe(200);
      expect(listed.body.tokens.map((t: { group_uuid: string }) => t.group_uuid)).not.toContain(secret.tokenId);
      // The admins' value still works.
      expect((await callApi(server.url, "/v0/quota", { token: secret.value })).status).toBe(200);
    });
  }

  it("cannot make an organization-visible token admin-only either (the member would hold an admin-only value)", async () => {
    const other = await insertToken(org.org.id, { scopes: ["report:read"], visibility: "ORGANIZATION", quotaMax: 10 });
    const update = FAMILIES.tokens.update(org.org.slug, other.tokenId);
    await expectRefused(org, shared, () => post(update.path, shared.value, { visibility: "admin" }), "admin-only-target");
  });
});

describe("4. a replaced value has no management power", () => {
  it("keeps working for ordinary calls in its grace period, but every management call is refused, and it never sees values", async () => {
    const org = await createTestOrg("replaced");
    const token = await insertToken(org.org.id, { name: "rotating", scopes: ["api-tokens", "report:read"], visibility: "ADMIN_ONLY" });
    const other = await insertToken(org.org.id, { scopes: ["report:read"] });
    const rotated = await rotateToken(
      { kind: "user", userId: org.admin.id, label: org.admin.email, ip: null, userAgent: null },
      org.org.id,
      token.tokenId,
      { graceSeconds: 3600 },
    );
    const old = token.value;
    expect((await callApi(server.url, "/v0/quota", { token: old })).status).toBe(200);

    for (const paths of Object.values(FAMILIES)) {
      const list = await expectRefused(
        org,
        { ...token },
        () => callApi(server.url, `${paths.list(org.org.slug)}?token_values=include`, { token: old }),
        "replaced-value",
      );
      expect(list.body.error.message).toMatch(/replaced/);
      expect(JSON.stringify(list.body)).not.toContain(rotated!.plaintext);
      const rotate = paths.rotate(org.org.slug, token.tokenId);
      await expectRefused(org, token, () => post(rotate.path, old, { ...rotate.body, grace_seconds: 0 }), "replaced-value");
      const update = paths.update(org.org.slug, other.tokenId);
      await expectRefused(org, token, () => post(update.path, old, { ...update.body, name: "x" }), "replaced-value");
      const revoke = paths.revoke(org.org.slug, token.tokenId);
      await expectRefused(org, token, () => post(revoke.path, old, revoke.body), "replaced-value");
      await expectRefused(
        org,
        token,
        () => post(paths.create(org.org.slug), old, { scopes: ["report:read"], max_quota: 1 }),
        "replaced-value",
      );
    }
    // The admin's fresh value still works, and still manages tokens.
    expect((await callApi(server.url, FAMILIES.tokens.list(org.org.slug), { token: rotated!.plaintext })).status).toBe(200);
  });
});

describe("5. authority ends with the person", () => {
  async function managerOf(org: Org, scopes: Scope[] = ["api-tokens", "report:read"]) {
    const admin = { kind: "user" as const, userId: org.admin.id, label: org.admin.email, ip: null, userAgent: null };
    const { token, plaintext } = await createToken(admin, org.org.id, {
      name: "automation",
      scopes,
      visibility: "ADMIN_ONLY",
      quotaMax: 1_000,
      quotaWindow: "MONTHLY",
      expiresAt: null,
    });
    return { tokenId: token.id, value: plaintext, valueId: "", createdById: org.admin.id };
  }

  for (const how of ["demoted", "removed"] as const) {
    it(`when the creating admin is ${how}, management scopes stop at once (down the chain), other scopes keep working`, async () => {
      const org = await createTestOrg(`former-${how}`);
      const manager = await managerOf(org);
      const child = await post(FAMILIES.tokens.create(org.org.slug), manager.value, {
        name: "child",
        scopes: ["api-tokens:list", "report:read"],
        max_quota: 10,
      });
      expect(child.status, JSON.stringify(child.body)).toBe(200);
      expect((await callApi(server.url, FAMILIES.tokens.list(org.org.slug), { token: manager.value })).status).toBe(200);

      if (how === "demoted")
        await db.membership.update({ where: { userId_orgId: { userId: org.admin.id, orgId: org.org.id } }, data: { role: "MEMBER" } });
      else await db.membership.delete({ where: { userId_orgId: { userId: org.admin.id, orgId: org.org.id } } });

      for (const actor of [manager, { tokenId: child.body.group_uuid, value: child.body.token, valueId: "", createdById: null }]) {
        const refused = await expectRefused(
          org,
          actor,
          () => callApi(server.url, FAMILIES.tokens.list(org.org.slug), { token: actor.value }),
          "former-admin",
        );
        expect(refused.body.error.message).toMatch(/former admin/);
        expect((await callApi(server.url, `/v0/orgs/${org.org.slug}/reports`, { token: actor.value })).status).not.toBe(403);
        expect((await callApi(server.url, "/v0/quota", { token: actor.value })).status).toBe(200);
      }
      await expectRefused(
        org,
        manager,
        () => post(FAMILIES.tokens.create(org.org.slug), manager.value, { scopes: ["report:read"], max_quota: 1 }),
        "former-admin",
      );
    });
  }

  it("another admin's tokens keep working when one admin is removed", async () => {
    const org = await createTestOrg("two-admins");
    const manager = await managerOf(org);
    const second = await db.user.create({ data: { email: `second-${org.org.slug}@example.test` } });
    await db.membership.create({ data: { orgId: org.org.id, userId: second.id, role: "ADMIN" } });
    const secondsToken = await insertToken(org.org.id, { scopes: ["api-tokens:list"], createdById: second.id });
    await db.membership.delete({ where: { userId_orgId: { userId: org.admin.id, orgId: org.org.id } } });
    expect((await callApi(server.url, FAMILIES.tokens.list(org.org.slug), { token: manager.value })).status).toBe(403);
    expect((await callApi(server.url, FAMILIES.tokens.list(org.org.slug), { token: secondsToken.value })).status).toBe(200);
  });

  it("offboarding lists every token the person created, and what their tokens created through the API", async () => {
    const org = await createTestOrg("offboard-chain");
    const memberUser = { kind: "user" as const, userId: org.member.id, label: org.member.email, ip: null, userAgent: null };
    const shared = await insertToken(org.org.id, { name: "shared", scopes: ["api-tokens", "report:read"], visibility: "ORGANIZATION" });
    expect(await revealToken(memberUser, org.org.id, shared.tokenId, "MEMBER")).toBe(shared.value);
    const minted = await post(FAMILIES.tokens.create(org.org.slug), shared.value, {
      name: "minted",
      scopes: ["report:read"],
      max_quota: 5,
      visibility: "organization",
    });
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    const grandchild = await post(FAMILIES.tokens.create(org.org.slug), minted.body.token, {
      name: "never",
      scopes: [],
      max_quota: 1,
      visibility: "organization",
    });
    expect(grandchild.status).toBe(403); // "minted" holds no api-tokens scope
    const untouched = await insertToken(org.org.id, { name: "untouched", scopes: ["report:read"], visibility: "ORGANIZATION" });

    const seen = (await listTokensSeenBy(org.org.id, org.member.id)).map((token) => token.name).sort();
    expect(seen).toEqual(["minted", "shared"]);
    expect(seen).not.toContain(untouched.tokenId);
  });
});

describe("allowed networks", () => {
  it("refuses calls from outside the token's networks (403 naming the rule), allows calls from inside, IPv4 and IPv6", async () => {
    const org = await createTestOrg("networks");
    const elsewhere = await insertToken(org.org.id, { scopes: ["report:read"], allowedNetworks: ["10.0.0.0/8", "2001:db8::/32"] });
    const refused = await callApi(server.url, "/v0/quota", { token: elsewhere.value });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ message: expect.stringMatching(/allowed networks/), details: { rule: "allowed-networks" } });
    const here = await insertToken(org.org.id, { scopes: ["report:read"], allowedNetworks: ["127.0.0.0/8"] });
    expect((await callApi(server.url, "/v0/quota", { token: here.value })).status).toBe(200);
    const loopbackV6 = await insertToken(org.org.id, { scopes: ["report:read"], allowedNetworks: ["::1/128", "127.0.0.1/32"] });
    expect((await callApi(server.url, "/v0/quota", { token: loopbackV6.value })).status).toBe(200);
  });

  it("a change to the list takes effect on the next request", async () => {
    const org = await createTestOrg("networks-change");
    const token = await insertToken(org.org.id, { scopes: ["report:read"] });
    expect((await callApi(server.url, "/v0/quota", { token: token.value })).status).toBe(200);
    const admin = { kind: "user" as const, userId: org.admin.id, label: org.admin.email, ip: null, userAgent: null };
    const { updateToken } = await import("@/lib/db/token-mutations");
    await updateToken(admin, org.org.id, token.tokenId, { allowedNetworks: ["192.0.2.0/24"] });
    expect((await callApi(server.url, "/v0/quota", { token: token.value })).status).toBe(403);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: token.tokenId, action: "token.updated" } });
    expect(JSON.parse(audit.metadata).changes.allowedNetworks).toEqual({ before: [], after: ["192.0.2.0/24"] });
  });
});
