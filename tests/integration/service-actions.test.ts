import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createServiceAction, deleteServiceAction, rotateServiceKeyAction, updateServiceAction } from "@/lib/actions/services";
import { createTokenAction, updateTokenAction } from "@/lib/actions/tokens";
import { db } from "@/lib/db/client";
import { hashTokenValue } from "@/lib/tokens";

import { callApi, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { actAs, createTestOrg } from "../support/request-as";

// Registering services in the dashboard and granting their scopes to tokens: the key is shown
// once and kept only hashed; tokens get only scopes their org's services declare; deleting a
// service or dropping a scope takes it off every token, so a later service of the same name
// grants old tokens nothing; a token acting on tokens cannot hand over service scopes it lacks.

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;
let acme: TestOrg;
let other: TestOrg;
let server: TestApiServer;

const SERVICE = {
  name: "Billing",
  slug: "billing",
  upstreamUrl: "https://billing.internal/api",
  scopes: "invoices:read Read invoices\ninvoices:write",
  routes: "GET /invoices/:id invoices:read 1",
  defaultScope: "",
  defaultCost: "1",
};

beforeAll(async () => {
  server = await startApiServer();
  acme = await createTestOrg("svc");
  other = await createTestOrg("svc-other");
});

afterAll(async () => {
  await server.close();
});

const verify = (key: string, token: string, scope: string) =>
  callApi(server.url, "/v1/verify", { method: "POST", headers: { authorization: `Bearer ${key}` }, json: { token, scope } });

async function register(org: TestOrg, overrides: Partial<typeof SERVICE> = {}) {
  await actAs(org.admin);
  const result = await createServiceAction(undefined, { ...SERVICE, ...overrides, orgSlug: org.org.slug });
  if (!result.ok || !result.data) throw new Error(`could not register: ${JSON.stringify(result)}`);
  return result.data;
}

async function newToken(org: TestOrg, serviceScopes: string[], scopes: string[] = []) {
  await actAs(org.admin);
  return createTokenAction(undefined, {
    orgSlug: org.org.slug,
    name: `t ${Math.random()}`,
    scopes: ["", ...scopes],
    serviceScopes: ["", ...serviceScopes],
    visibility: "ADMIN_ONLY",
    quotaMax: "100",
    quotaWindow: "DAILY",
    expiresAt: "",
    allowedNetworks: "",
  });
}

describe("services in the dashboard", () => {
  it("shows the verification key once and stores only its hash; the audit log records the registration", async () => {
    const created = await register(acme, { slug: "keyed" });
    expect(created.key).toMatch(/^kws_[0-9A-Za-z]{36}$/);
    const row = await db.service.findUniqueOrThrow({ where: { id: created.serviceId } });
    expect(row.keyHash).toBe(hashTokenValue(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { orgId: acme.org.id, action: "service.created", targetId: created.serviceId },
    });
    expect(audit.metadata).not.toContain(created.key);
    expect(JSON.parse(audit.metadata)).toMatchObject({ slug: "keyed", scopes: ["invoices", "invoices:read", "invoices:write"] });
  });

  it("refuses a taken slug, routes naming undeclared scopes, and bad lines, beside their fields", async () => {
    await register(acme, { slug: "taken" });
    await actAs(acme.admin);
    const taken = await createServiceAction(undefined, { ...SERVICE, slug: "taken", orgSlug: acme.org.slug });
    expect(taken).toMatchObject({ ok: false, code: "INVALID", errors: { slug: [expect.stringContaining("already")] } });
    const undeclared = await createServiceAction(undefined, {
      ...SERVICE,
      slug: "undeclared",
      routes: "GET /x refunds 1",
      orgSlug: acme.org.slug,
    });
    expect(undeclared).toMatchObject({ ok: false, errors: { routes: [expect.stringContaining("refunds")] } });
    const badLine = await createServiceAction(undefined, {
      ...SERVICE,
      slug: "bad",
      routes: "GET x invoices:read",
      orgSlug: acme.org.slug,
    });
    expect(badLine).toMatchObject({ ok: false, errors: { "routes.0.pathPattern": [expect.any(String)] } });
    expect(await db.service.count({ where: { orgId: acme.org.id, slug: { in: ["undeclared", "bad"] } } })).toBe(0);
  });

  it("a rotated key replaces the old one at once", async () => {
    const created = await register(acme, { slug: "rotating" });
    const token = await newToken(acme, ["rotating/invoices:read"]);
    expect(token.ok).toBe(true);
    const value = (token.data as { value: string }).value;
    expect((await verify(created.key, value, "invoices:read")).body.valid).toBe(true);
    await actAs(acme.admin);
    const rotated = await rotateServiceKeyAction(undefined, { orgSlug: acme.org.slug, serviceId: created.serviceId });
    expect(rotated.ok).toBe(true);
    expect((await verify(created.key, value, "invoices:read")).status).toBe(401);
    expect((await verify(rotated.data!.key, value, "invoices:read")).body.valid).toBe(true);
  });
});

describe("service scopes on tokens", () => {
  it("an admin grants a service's scopes with the token form; the token then verifies", async () => {
    const created = await register(acme, { slug: "granted" });
    const token = await newToken(acme, ["granted/invoices:read"]);
    expect(token).toMatchObject({ ok: true });
    const { tokenId, value } = token.data as { tokenId: string; value: string };
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).serviceScopes).toBe("granted/invoices:read");
    expect((await verify(created.key, value, "invoices:read")).body.valid).toBe(true);
    expect((await verify(created.key, value, "invoices:write")).body.code).toBe("missing_scope");
  });

  it("refuses scopes of services the org does not have (another org's, an undeclared scope)", async () => {
    await register(other, { slug: "not-yours" });
    for (const serviceScopes of [["theirs/invoices:read"], ["granted/refunds"]]) {
      const refused = await newToken(acme, serviceScopes);
      expect(refused, serviceScopes.join()).toMatchObject({
        ok: false,
        code: "INVALID",
        errors: { serviceScopes: [expect.stringContaining("Unknown")] },
      });
    }
  });

  it("an edit that leaves service scopes out keeps them; one that sends them replaces them, audited", async () => {
    await register(acme, { slug: "edited" });
    const token = await newToken(acme, ["edited/invoices"], ["report:read"]);
    const { tokenId } = token.data as { tokenId: string };
    const edit = (fields: Record<string, unknown>) =>
      updateTokenAction(undefined, {
        orgSlug: acme.org.slug,
        tokenId,
        name: "edited",
        visibility: "ADMIN_ONLY",
        quotaMax: "100",
        quotaWindow: "DAILY",
        scopes: ["report:read"],
        ...fields,
      });
    expect(await edit({})).toMatchObject({ ok: true });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).serviceScopes).toBe("edited/invoices");
    expect(await edit({ serviceScopes: ["", "edited/invoices:read"] })).toMatchObject({ ok: true });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).serviceScopes).toBe("edited/invoices:read");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: tokenId, action: "token.updated" }, orderBy: { at: "desc" } });
    expect(JSON.parse(audit.metadata).changes.serviceScopes).toEqual({ before: ["edited/invoices"], after: ["edited/invoices:read"] });
  });

  it("deleting a service takes its scopes off every token: a new service of the same slug grants old tokens nothing", async () => {
    const first = await register(acme, { slug: "reborn" });
    const token = await newToken(acme, ["reborn/invoices"]);
    const { tokenId, value } = token.data as { tokenId: string; value: string };
    expect((await verify(first.key, value, "invoices:read")).body.valid).toBe(true);
    await actAs(acme.admin);
    expect(await deleteServiceAction(undefined, { orgSlug: acme.org.slug, serviceId: first.serviceId })).toMatchObject({ ok: true });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).serviceScopes).toBe("");
    const second = await register(acme, { slug: "reborn" });
    expect((await verify(second.key, value, "invoices:read")).body.code).toBe("missing_scope");
  });

  it("dropping a scope from a service takes it off every token that held it", async () => {
    const created = await register(acme, { slug: "shrunk" });
    const token = await newToken(acme, ["shrunk/invoices:write", "shrunk/invoices:read"]);
    const { tokenId, value } = token.data as { tokenId: string; value: string };
    await actAs(acme.admin);
    const { slug: _slug, ...definition } = SERVICE;
    const updated = await updateServiceAction(undefined, {
      ...definition,
      scopes: "invoices:read",
      serviceId: created.serviceId,
      orgSlug: acme.org.slug,
    });
    expect(updated).toMatchObject({ ok: true });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).serviceScopes).toBe("shrunk/invoices:read");
    // Declared again later, the scope does not come back to the token.
    expect(await updateServiceAction(undefined, { ...definition, serviceId: created.serviceId, orgSlug: acme.org.slug })).toMatchObject({
      ok: true,
    });
    expect((await verify(created.key, value, "invoices:write")).body.code).toBe("missing_scope");
  });
});

describe("editing a service", () => {
  it("refuses a save from a form filled before someone else's change, and changes nothing", async () => {
    const created = await register(acme, { slug: "edited-twice" });
    const { version } = await db.service.findUniqueOrThrow({ where: { id: created.serviceId } });
    const { slug: _slug, ...definition } = SERVICE;
    const edit = (name: string, scopes: string) =>
      updateServiceAction(undefined, {
        ...definition,
        name,
        scopes,
        serviceId: created.serviceId,
        expectedVersion: String(version),
        orgSlug: acme.org.slug,
      });
    await actAs(acme.admin);
    expect(await edit("First edit", SERVICE.scopes)).toMatchObject({ ok: true });
    // The second form was opened at the same version: it would drop invoices:write from every token.
    expect(await edit("Stale edit", "invoices:read")).toMatchObject({ ok: false, code: "CONFLICT" });
    const row = await db.service.findUniqueOrThrow({ where: { id: created.serviceId }, include: { scopes: true } });
    expect(row.name).toBe("First edit");
    expect(row.scopes.map((scope) => scope.name).sort()).toEqual(["invoices", "invoices:read", "invoices:write"]);
  });

  it("cannot edit another org's service, even by its id", async () => {
    const theirs = await register(other, { slug: "foreign-edit" });
    await actAs(acme.admin);
    const { slug: _slug, ...definition } = SERVICE;
    const result = await updateServiceAction(undefined, {
      ...definition,
      name: "Hijacked",
      serviceId: theirs.serviceId,
      orgSlug: acme.org.slug,
    });
    expect(result).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await db.service.findUniqueOrThrow({ where: { id: theirs.serviceId } })).name).toBe(SERVICE.name);
  });
});

describe("a token acting on tokens through the API", () => {
  it("cannot rotate, see the value of, or change a token holding service scopes it lacks", async () => {
    await register(acme, { slug: "guarded" });
    const target = await insertToken(acme.org.id, { serviceScopes: ["guarded/invoices"] });
    const manager = await insertToken(acme.org.id, { scopes: ["api-tokens"] });
    const base = `/v0/orgs/${acme.org.slug}/api-tokens`;
    const rotate = await callApi(server.url, `${base}/rotate`, { token: manager.value, method: "POST", json: { uuid: target.tokenId } });
    expect(rotate.status).toBe(403);
    const update = await callApi(server.url, `${base}/update`, {
      token: manager.value,
      method: "POST",
      json: { uuid: target.tokenId, name: "mine" },
    });
    expect(update.status).toBe(403);
    const list = await callApi(server.url, `${base}?token_values=include`, { token: manager.value });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(target.value);
    // The same manager holding the service scope may.
    const holder = await insertToken(acme.org.id, { scopes: ["api-tokens"], serviceScopes: ["guarded/invoices"] });
    const allowed = await callApi(server.url, `${base}/rotate`, { token: holder.value, method: "POST", json: { uuid: target.tokenId } });
    expect(allowed.status).toBe(200);
  });
});
