import { SocketSdk } from "@socketsecurity/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getKeyring } from "@/lib/config/keyring";
import { db } from "@/lib/db/client";
import { encryptLegacyWebhookHeaders } from "@/lib/db/webhooks/headers-encryption";

import { callApi, insertToken, startApiServer, type TestApiServer, type TestToken } from "../support/api";
import { createTestOrg } from "../support/request-as";

// Org webhooks through the real Socket client (@socketsecurity/sdk 4.0.1): create, read, update,
// list, delete; the scope each needs; another org's webhooks are a 404; bad bodies a 400; the
// secret is never given back and is stored only encrypted; a webhook cannot aim at internal addresses.

let server: TestApiServer;
let org: { id: string; slug: string };
let otherOrg: { id: string; slug: string };
let member: { id: string };
let manager: TestToken;
const sdk = (token: string) => new SocketSdk(token, { baseUrl: `${server.url}/v0/`, retries: 0 });
const SECRET = "a-long-enough-webhook-secret-1234";
const body = (overrides: Record<string, unknown> = {}) => ({
  name: "Ops hook",
  url: "https://hooks.example.com/keyward",
  secret: SECRET,
  events: ["token.revoked", "token.created"],
  ...overrides,
});

beforeAll(async () => {
  server = await startApiServer();
  ({ org, member } = await createTestOrg("hooks"));
  ({ org: otherOrg } = await createTestOrg("hooks-other"));
  manager = await insertToken(org.id, { name: "hook manager", scopes: ["webhooks"] });
});

afterAll(async () => {
  await server?.close();
});

describe("org webhooks through the Socket SDK", () => {
  it("creates, views, updates, lists and deletes a webhook, never returning its secret", async () => {
    const client = sdk(manager.value);
    const created = await client.createOrgWebhook(org.slug, {
      ...body(),
      description: "pages the on-call",
      headers: { "X-Team": "ops" },
      filters: { repositoryIds: null },
    });
    expect(created).toMatchObject({ success: true });
    const webhook = (created as { data: { id: string } }).data;
    expect(webhook).toMatchObject({
      name: "Ops hook",
      url: "https://hooks.example.com/keyward",
      description: "pages the on-call",
      secret: null,
      events: ["token.created", "token.revoked"],
      headers: { "X-Team": "ops" },
      filters: { repositoryIds: null },
    });

    const viewed = await client.getOrgWebhook(org.slug, webhook.id);
    expect(viewed).toMatchObject({ success: true, data: { id: webhook.id, secret: null } });

    const updated = await client.updateOrgWebhook(org.slug, webhook.id, { name: "Renamed", events: ["member.added"], secret: null });
    expect(updated).toMatchObject({
      success: true,
      data: { name: "Renamed", events: ["member.added"], url: "https://hooks.example.com/keyward" },
    });

    const listed = await client.getOrgWebhooksList(org.slug, { per_page: 10, page: 1 });
    expect(listed).toMatchObject({ success: true, data: { nextPage: null } });
    expect((listed as { data: { results: { id: string }[] } }).data.results.map((row) => row.id)).toContain(webhook.id);

    // The secret is at rest only as ciphertext, and no answer carried it.
    const row = await db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row.secretCiphertext).not.toContain(SECRET);
    expect(JSON.stringify([created, viewed, updated, listed])).not.toContain(SECRET);

    expect(await client.deleteOrgWebhook(org.slug, webhook.id)).toMatchObject({ success: true, data: { status: "ok" } });
    expect(await client.getOrgWebhook(org.slug, webhook.id)).toMatchObject({ success: false, status: 404 });
    // Each change is in the audit log, without the secret.
    const audit = await db.auditEvent.findMany({ where: { orgId: org.id, targetId: webhook.id }, orderBy: { at: "asc" } });
    expect(audit.map((event) => event.action)).toEqual(["webhook.created", "webhook.updated", "webhook.deleted"]);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it("pages the list", async () => {
    const { org: paged } = await createTestOrg("hooks-paged");
    const token = await insertToken(paged.id, { scopes: ["webhooks"] });
    for (const name of ["one", "two", "three"]) {
      const created = await callApi(server.url, `/v0/orgs/${paged.slug}/webhooks`, {
        token: token.value,
        method: "POST",
        json: body({ name }),
      });
      expect(created.status).toBe(201);
    }
    const first = await sdk(token.value).getOrgWebhooksList(paged.slug, { per_page: 2, page: 0, sort: "name", direction: "asc" });
    expect(first).toMatchObject({ success: true, data: { nextPage: 2 } });
    expect((first as { data: { results: { name: string }[] } }).data.results.map((row) => row.name)).toEqual(["one", "three"]);
    const second = await sdk(token.value).getOrgWebhooksList(paged.slug, { per_page: 2, page: 2, sort: "name", direction: "asc" });
    expect(second).toMatchObject({ success: true, data: { nextPage: null, results: [{ name: "two" }] } });
  });

  it("refuses each method without its scope (403) and changes nothing", async () => {
    const listOnly = await insertToken(org.id, { scopes: ["webhooks:list"] });
    const created = await sdk(manager.value).createOrgWebhook(org.slug, body());
    const id = (created as { data: { id: string } }).data.id;
    const before = await db.webhook.findUniqueOrThrow({ where: { id } });
    expect(await sdk(listOnly.value).createOrgWebhook(org.slug, body())).toMatchObject({ success: false, status: 403 });
    expect(await sdk(listOnly.value).updateOrgWebhook(org.slug, id, { name: "x" })).toMatchObject({ success: false, status: 403 });
    expect(await sdk(listOnly.value).deleteOrgWebhook(org.slug, id)).toMatchObject({ success: false, status: 403 });
    const noScope = await insertToken(org.id, { scopes: ["repo:list"] });
    expect(await sdk(noScope.value).getOrgWebhooksList(org.slug)).toMatchObject({ success: false, status: 403 });
    expect(await sdk(noScope.value).getOrgWebhook(org.slug, id)).toMatchObject({ success: false, status: 403 });
    expect(await db.webhook.findUniqueOrThrow({ where: { id } })).toEqual(before);
  });

  it("answers 404 for another org's webhooks, by slug or by id", async () => {
    const foreign = await insertToken(otherOrg.id, { scopes: ["webhooks"] });
    const created = await sdk(foreign.value).createOrgWebhook(otherOrg.slug, body({ name: "theirs" }));
    const theirs = (created as { data: { id: string } }).data.id;
    // Our token, their org's slug: 404, as for an org that does not exist.
    expect(await sdk(manager.value).getOrgWebhooksList(otherOrg.slug)).toMatchObject({ success: false, status: 404 });
    // Our org's slug, their webhook's id: 404 for every method, and it is untouched.
    expect(await sdk(manager.value).getOrgWebhook(org.slug, theirs)).toMatchObject({ success: false, status: 404 });
    expect(await sdk(manager.value).updateOrgWebhook(org.slug, theirs, { name: "hijacked" })).toMatchObject({
      success: false,
      status: 404,
    });
    expect(await sdk(manager.value).deleteOrgWebhook(org.slug, theirs)).toMatchObject({ success: false, status: 404 });
    expect(await db.webhook.findUniqueOrThrow({ where: { id: theirs } })).toMatchObject({ name: "theirs" });
  });

  it("refuses a malformed body with a 400 naming the field", async () => {
    const client = sdk(manager.value);
    const countBefore = await db.webhook.count({ where: { orgId: org.id } });
    const missingUrl = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, {
      token: manager.value,
      method: "POST",
      json: { name: "x", secret: SECRET, events: ["token.created"] },
    });
    expect(missingUrl.status).toBe(400);
    expect(JSON.stringify(missingUrl.body.error.details)).toContain("body.url");
    expect(await client.createOrgWebhook(org.slug, { ...body(), events: "token.created" as unknown as string[] })).toMatchObject({
      success: false,
      status: 400,
    });
    expect(await client.createOrgWebhook(org.slug, { ...body(), headers: { "X-Keyward-Signature": "forged" } })).toMatchObject({
      success: false,
    });
    // A value HTTP cannot carry would be accepted and then fail every delivery: refused up front, by name.
    const unsendable = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, {
      token: manager.value,
      method: "POST",
      json: { ...body(), headers: { "X-Team": "ops 🚀" } },
    });
    expect(unsendable.status).toBe(400);
    expect(JSON.stringify(unsendable.body.error.details)).toContain("Latin-1");
    expect(await client.createOrgWebhook(org.slug, { ...body(), events: ["package.alert"] })).toMatchObject({ success: false });
    expect(await client.createOrgWebhook(org.slug, { ...body(), url: "ftp://example.com/" })).toMatchObject({ success: false });
    expect(await client.createOrgWebhook(org.slug, { ...body(), secret: "short" })).toMatchObject({ success: false });
    expect(await db.webhook.count({ where: { orgId: org.id } })).toBe(countBefore);
  });

  it("refuses URLs that point at the server's own network (loopback, metadata, private) by default", async () => {
    for (const url of [
      "http://127.0.0.1:3000/",
      "http://169.254.169.254/latest/meta-data/",
      "http://localhost/",
      "http://[::1]/",
      "http://10.0.0.5/",
    ]) {
      const response = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, {
        token: manager.value,
        method: "POST",
        json: body({ url }),
      });
      expect(response.status, url).toBeGreaterThanOrEqual(400);
      expect(response.status, url).toBeLessThan(500);
      expect(JSON.stringify(response.body.error.details), url).toContain("private");
    }
    const created = await sdk(manager.value).createOrgWebhook(org.slug, body());
    const id = (created as { data: { id: string } }).data.id;
    const retarget = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, {
      token: manager.value,
      method: "PUT",
      json: { url: "http://127.0.0.1/" },
    });
    expect(retarget.status).toBeGreaterThanOrEqual(400);
    expect((await db.webhook.findUniqueOrThrow({ where: { id } })).url).toBe("https://hooks.example.com/keyward");
  });

  it("lets a token manage webhooks only as an admin could: not a token members can use, not a former admin's", async () => {
    const memberUsable = await insertToken(org.id, { scopes: ["webhooks"], visibility: "ORGANIZATION" });
    const refused = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, { token: memberUsable.value, method: "POST", json: body() });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual({ rule: "member-usable-token" });
    expect((await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, { token: memberUsable.value })).status).toBe(403);

    // A token made by someone who is now only a member.
    const formerAdmin = await insertToken(org.id, { scopes: ["webhooks"], createdById: member.id });
    const stale = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, { token: formerAdmin.value, method: "POST", json: body() });
    expect(stale.status).toBe(403);
    expect(stale.body.error.details).toEqual({ rule: "former-admin" });
  });

  it("stores header values only encrypted, after create and after update, and answers with them as given", async () => {
    const client = sdk(manager.value);
    const created = await client.createOrgWebhook(org.slug, { ...body(), headers: { Authorization: "Bearer first-receiver-credential" } });
    expect(created).toMatchObject({ success: true, data: { headers: { Authorization: "Bearer first-receiver-credential" } } });
    const id = (created as { data: { id: string } }).data.id;
    expect(await storedRowText(id)).not.toContain("first-receiver-credential");
    expect(await client.getOrgWebhook(org.slug, id)).toMatchObject({
      success: true,
      data: { headers: { Authorization: "Bearer first-receiver-credential" } },
    });

    const updated = await client.updateOrgWebhook(org.slug, id, { headers: { Authorization: "Bearer second-receiver-credential" } });
    expect(updated).toMatchObject({ success: true, data: { headers: { Authorization: "Bearer second-receiver-credential" } } });
    const stored = await storedRowText(id);
    expect(stored).not.toContain("receiver-credential");
    expect(stored).not.toContain("Authorization");
    const listed = (await client.getOrgWebhooksList(org.slug, { per_page: 100, page: 1 })) as {
      data: { results: { id: string; headers: unknown }[] };
    };
    expect(listed.data.results.find((row) => row.id === id)?.headers).toEqual({ Authorization: "Bearer second-receiver-credential" });

    // null removes them, as before.
    const cleared = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, {
      token: manager.value,
      method: "PUT",
      json: { headers: null },
    });
    expect(cleared.body).toMatchObject({ headers: null });
    expect(await db.webhook.findUniqueOrThrow({ where: { id } })).toMatchObject({ headersCiphertext: null, headersKeyVersion: null });
  });

  // Header values are the receiver's credentials: only someone who may manage webhooks now sees them.
  it("shows header values to no token members can use, no removed admin's token, and never in the audit log", async () => {
    const credential = "Bearer receiver-credential-for-admins-only";
    const created = await sdk(manager.value).createOrgWebhook(org.slug, body({ headers: { Authorization: credential } }));
    const id = (created as { data: { id: string } }).data.id;
    await sdk(manager.value).updateOrgWebhook(org.slug, id, { headers: { Authorization: credential, "X-Extra": "second-value" } });

    const memberUsable = await insertToken(org.id, { scopes: ["webhooks"], visibility: "ORGANIZATION" });
    const removed = await db.user.create({ data: { email: `removed-${org.id}@hooks.test`, name: "Removed admin" } });
    await db.membership.create({ data: { orgId: org.id, userId: removed.id, role: "ADMIN" } });
    const removedAdmins = await insertToken(org.id, { scopes: ["webhooks"], createdById: removed.id });
    expect((await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, { token: removedAdmins.value })).status).toBe(200);
    await db.membership.delete({ where: { userId_orgId: { userId: removed.id, orgId: org.id } } });

    for (const [token, rule] of [
      [memberUsable, "member-usable-token"],
      [removedAdmins, "former-admin"],
    ] as const) {
      const answers = [
        await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, { token: token.value }),
        await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, { token: token.value }),
        await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, { token: token.value, method: "PUT", json: { name: "renamed" } }),
        await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, { token: token.value, method: "DELETE" }),
      ];
      for (const answer of answers) {
        expect(answer.status, rule).toBe(403);
        expect(answer.body.error.details, rule).toEqual({ rule });
        expect(JSON.stringify(answer.body)).not.toContain("receiver-credential");
      }
    }
    expect(await db.webhook.findUniqueOrThrow({ where: { id } })).toMatchObject({ name: "Ops hook" });

    // The audit log names the headers, never their values: as stored, and as an admin-only token reads it.
    const events = await db.auditEvent.findMany({ where: { orgId: org.id, targetId: id } });
    expect(events.map((event) => event.action).sort()).toEqual(["webhook.created", "webhook.updated"]);
    expect(JSON.stringify(events)).not.toMatch(/receiver-credential|second-value/);
    expect(JSON.stringify(events)).toContain("X-Extra");
    const auditor = await insertToken(org.id, { scopes: ["audit-log:list"] });
    const log = await callApi(server.url, `/v0/orgs/${org.slug}/audit-log?per_page=100`, { token: auditor.value });
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body)).not.toMatch(/receiver-credential|second-value/);
  });

  it("answers a webhook whose headers were stored in plain text before encryption with them, and after encrypting them the same", async () => {
    const created = await sdk(manager.value).createOrgWebhook(org.slug, body());
    const id = (created as { data: { id: string } }).data.id;
    // What the migration leaves of a row written before: the plain "headers" column, no ciphertext.
    await db.$executeRaw`UPDATE "Webhook" SET "headers" = ${'{"X-Api-Key":"legacy-plain-credential"}'} WHERE "id" = ${id}`;
    const legacy = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, { token: manager.value });
    expect(legacy.body).toMatchObject({ headers: { "X-Api-Key": "legacy-plain-credential" } });

    // At startup (scripts/start.ts); a second run finds nothing left to do.
    expect(await encryptLegacyWebhookHeaders(db, getKeyring())).toBeGreaterThanOrEqual(1);
    expect(await storedRowText(id)).not.toContain("legacy-plain-credential");
    await encryptLegacyWebhookHeaders(db, getKeyring());
    const encrypted = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks/${id}`, { token: manager.value });
    expect(encrypted.body).toEqual(legacy.body);
  });
});

/** Every column of the stored row, as the database holds it (raw SQL: no client-side mapping). */
async function storedRowText(id: string): Promise<string> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "Webhook" WHERE "id" = ${id}`;
  expect(rows).toHaveLength(1);
  return JSON.stringify(rows[0], (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
}
