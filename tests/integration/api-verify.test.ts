import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MAX_CHARGE_ATTEMPTS } from "@/lib/api/charging";
import { ServiceCache } from "@/lib/api/service-cache";
import { TokenCache } from "@/lib/api/token-cache";
import { UsageRecorder } from "@/lib/api/usage-recorder";
import { verifyCall } from "@/lib/api/verify";
import { db } from "@/lib/db/client";
import { createService, deleteService, rotateServiceKey, setServiceEnabled, type ServiceActor } from "@/lib/db/service-mutations";
import { revokeToken, rotateToken, setTokenEnabled, type TokenActor } from "@/lib/db/token-mutations";
import { hashTokenValue } from "@/lib/tokens/format";
import { MAX_VERIFY_COST } from "@/lib/validations/service";

import { callApi, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { spawnApiProcess, type ApiProcess } from "../support/api-processes";
import { storeWith } from "../support/fault-store";
import { createTestOrg } from "../support/request-as";

// POST /v1/verify: a service's key verifies tokens of its own organization for its own scopes,
// charges the cost exactly (under a race, across processes), answers each refusal with its code,
// and authenticates nothing else.

let server: TestApiServer;
let org: { id: string; slug: string };
let otherOrg: { id: string; slug: string };
let admin: ServiceActor & TokenActor;
let billingKey: string;
let searchKey: string;
let otherOrgKey: string;

const BILLING = {
  name: "Billing",
  upstreamUrl: "http://127.0.0.1:9/billing",
  scopes: [
    { name: "invoices:read", description: "Read invoices" },
    { name: "invoices:write", description: "" },
  ],
  routes: [],
  defaultScope: null,
  defaultCost: 1,
};

const actorFor = async (orgId: string): Promise<ServiceActor & TokenActor> => {
  const user = await db.user.findFirstOrThrow({ where: { memberships: { some: { orgId, role: "ADMIN" } } } });
  return { kind: "user", userId: user.id, label: user.email, ip: null, userAgent: null };
};

beforeAll(async () => {
  server = await startApiServer();
  ({ org } = await createTestOrg("verify"));
  ({ org: otherOrg } = await createTestOrg("verify-other"));
  admin = await actorFor(org.id);
  billingKey = (await createService(admin, org.id, { slug: "billing", ...BILLING })).key;
  searchKey = (
    await createService(admin, org.id, { ...BILLING, slug: "search", name: "Search", scopes: [{ name: "index", description: "" }] })
  ).key;
  otherOrgKey = (await createService(await actorFor(otherOrg.id), otherOrg.id, { slug: "billing", ...BILLING })).key;
});

afterAll(async () => {
  await server.close();
});

const verify = (key: string, json: unknown, url = server.url) =>
  callApi(url, "/v1/verify", { method: "POST", headers: { authorization: `Bearer ${key}` }, json });

const quotaOf = async (tokenId: string) => (await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).quotaRemaining;

describe("POST /v1/verify", () => {
  it("answers valid with the token, its scopes of this service, the quota after the charge and the expiry", async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const token = await insertToken(org.id, {
      name: "customer",
      quotaMax: 10,
      expiresAt,
      serviceScopes: ["billing/invoices:read", "search/index"],
    });
    const response = await verify(billingKey, { token: token.value, scope: "invoices:read", cost: 3 });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      valid: true,
      token: { id: token.tokenId, name: "customer", org: org.slug },
      scopes: ["invoices:read"],
      quota: { remaining: 7, max: 10 },
      expiresAt: expiresAt.toISOString(),
    });
    expect(new Date(response.body.quota.resetsAt).getTime()).toBeGreaterThan(Date.now());
    expect(await quotaOf(token.tokenId)).toBe(7);
  });

  it("records the call in the token's usage under the scope, or the route the service names", async () => {
    const token = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
    expect((await verify(billingKey, { token: token.value, scope: "invoices:read" })).body.valid).toBe(true);
    expect((await verify(billingKey, { token: token.value, scope: "invoices:write", cost: 2, route: "POST /invoices" })).body.valid).toBe(
      true,
    );
    await server.handler.flush();
    const rows = await db.usageEvent.findMany({ where: { tokenId: token.tokenId }, orderBy: { id: "asc" } });
    expect(rows.map((row) => [row.method, row.route, row.status, row.cost])).toEqual([
      ["VERIFY", "billing/invoices:read", 200, 1],
      ["VERIFY", "billing POST /invoices", 200, 2],
    ]);
  });

  it("a parent scope grants its children; a child grants neither its parent nor a sibling", async () => {
    const parent = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
    const child = await insertToken(org.id, { serviceScopes: ["billing/invoices:read"] });
    expect((await verify(billingKey, { token: parent.value, scope: "invoices:write" })).body.valid).toBe(true);
    expect((await verify(billingKey, { token: parent.value, scope: "invoices" })).body.valid).toBe(true);
    expect((await verify(billingKey, { token: child.value, scope: "invoices:read" })).body.valid).toBe(true);
    expect((await verify(billingKey, { token: child.value, scope: "invoices" })).body).toMatchObject({
      valid: false,
      code: "missing_scope",
    });
    expect((await verify(billingKey, { token: child.value, scope: "invoices:write" })).body).toMatchObject({
      valid: false,
      code: "missing_scope",
    });
  });

  it("a refused call costs nothing", async () => {
    const token = await insertToken(org.id, { quotaMax: 5, serviceScopes: ["billing/invoices:read"] });
    expect((await verify(billingKey, { token: token.value, scope: "invoices:write", cost: 5 })).body.code).toBe("missing_scope");
    expect(await quotaOf(token.tokenId)).toBe(5);
  });

  describe("answers each refusal with its code", () => {
    it("unknown: junk, a well-formed value no token has, and another organization's token", async () => {
      const foreign = await insertToken(otherOrg.id, { serviceScopes: ["billing/invoices"] });
      for (const value of ["not a token", "kw_000000000000000000000000000000000000", foreign.value]) {
        expect((await verify(billingKey, { token: value, scope: "invoices:read" })).body, value).toMatchObject({
          valid: false,
          code: "unknown",
        });
      }
      // The other organization's own service accepts it.
      expect((await verify(otherOrgKey, { token: foreign.value, scope: "invoices:read" })).body.valid).toBe(true);
    });

    it("revoked, disabled, expired and replaced", async () => {
      const revoked = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
      expect((await verify(billingKey, { token: revoked.value, scope: "invoices:read" })).body.valid).toBe(true);
      await revokeToken(admin, org.id, revoked.tokenId);
      expect((await verify(billingKey, { token: revoked.value, scope: "invoices:read" })).body.code).toBe("revoked");

      const disabled = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
      expect((await verify(billingKey, { token: disabled.value, scope: "invoices:read" })).body.valid).toBe(true);
      await setTokenEnabled(admin, org.id, disabled.tokenId, false);
      expect((await verify(billingKey, { token: disabled.value, scope: "invoices:read" })).body.code).toBe("disabled");
      await setTokenEnabled(admin, org.id, disabled.tokenId, true);
      expect((await verify(billingKey, { token: disabled.value, scope: "invoices:read" })).body.valid).toBe(true);

      const expired = await insertToken(org.id, { serviceScopes: ["billing/invoices"], expiresAt: new Date(Date.now() - 1000) });
      expect((await verify(billingKey, { token: expired.value, scope: "invoices:read" })).body.code).toBe("expired");

      const rotated = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
      const next = await rotateToken(admin, org.id, rotated.tokenId, { graceSeconds: 0 });
      expect((await verify(billingKey, { token: rotated.value, scope: "invoices:read" })).body.code).toBe("replaced");
      expect((await verify(billingKey, { token: next!.plaintext, scope: "invoices:read" })).body.valid).toBe(true);
    });

    it("revoked, not busy, when the token is revoked while its last charge retry is under way", async () => {
      const token = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
      // Every charge misses as if the token changed meanwhile: the first ones because it did (its
      // version bumped, so the call retries), the last because it was revoked.
      let charges = 0;
      const store = storeWith(server.store, {
        charge: async () => {
          charges++;
          if (charges < MAX_CHARGE_ATTEMPTS)
            await db.apiToken.update({ where: { id: token.tokenId }, data: { version: { increment: 1 } } });
          else await revokeToken(admin, org.id, token.tokenId);
          return null;
        },
      });
      const services = new ServiceCache((keyHash) => store.findServiceByKeyHash(keyHash));
      const keyHash = hashTokenValue(billingKey);
      const service = (await services.reload(keyHash))!;
      const deps = { store, tokens: new TokenCache(store), recorder: new UsageRecorder(store), clock: Date.now };
      const answer = await verifyCall(
        deps,
        () => services.reload(keyHash),
        service,
        { token: token.value, scope: "invoices:read", cost: 1 },
        {
          ip: "127.0.0.1",
          userAgent: null,
        },
      );
      expect(charges).toBe(MAX_CHARGE_ATTEMPTS);
      expect(answer).toMatchObject({ valid: false, code: "revoked" });
    });

    it("quota_exhausted, with the quota and when it resets", async () => {
      const token = await insertToken(org.id, { quotaMax: 2, serviceScopes: ["billing/invoices"] });
      expect((await verify(billingKey, { token: token.value, scope: "invoices:read", cost: 2 })).body.valid).toBe(true);
      const refused = await verify(billingKey, { token: token.value, scope: "invoices:read" });
      expect(refused.body).toMatchObject({ valid: false, code: "quota_exhausted", quota: { remaining: 0, max: 2 } });
      // Cost 0 checks without charging, and still passes.
      expect((await verify(billingKey, { token: token.value, scope: "invoices:read", cost: 0 })).body.valid).toBe(true);
    });

    it("outside_networks: a token limited to networks needs the caller's address within them", async () => {
      const token = await insertToken(org.id, { serviceScopes: ["billing/invoices"], allowedNetworks: ["10.0.0.0/8"] });
      expect((await verify(billingKey, { token: token.value, scope: "invoices:read" })).body.code).toBe("outside_networks");
      expect((await verify(billingKey, { token: token.value, scope: "invoices:read", ip: "192.168.1.1" })).body.code).toBe(
        "outside_networks",
      );
      expect((await verify(billingKey, { token: token.value, scope: "invoices:read", ip: "10.1.2.3" })).body.valid).toBe(true);
    });

    it("service_disabled: a disabled service refuses everything, even a good token; enabled again, it accepts", async () => {
      const { key } = await createService(admin, org.id, { ...BILLING, slug: "ledger", name: "Ledger" });
      const token = await insertToken(org.id, { serviceScopes: ["ledger/invoices"] });
      expect((await verify(key, { token: token.value, scope: "invoices:read" })).body.valid).toBe(true);
      const service = await db.service.findFirstOrThrow({ where: { orgId: org.id, slug: "ledger" } });
      await setServiceEnabled(admin, org.id, service.id, false);
      for (const value of [token.value, "junk"]) {
        expect((await verify(key, { token: value, scope: "invoices:read" })).body).toMatchObject({
          valid: false,
          code: "service_disabled",
        });
      }
      await setServiceEnabled(admin, org.id, service.id, true);
      expect((await verify(key, { token: token.value, scope: "invoices:read" })).body.valid).toBe(true);
    });
  });

  it("a service key verifies only its own service's scopes", async () => {
    const token = await insertToken(org.id, { serviceScopes: ["search/index"] });
    expect((await verify(searchKey, { token: token.value, scope: "index" })).body.valid).toBe(true);
    // Billing declares no "index"; and a token holding search's scopes holds nothing of billing's.
    expect((await verify(billingKey, { token: token.value, scope: "index" })).body.code).toBe("missing_scope");
    const billingToken = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
    expect((await verify(searchKey, { token: billingToken.value, scope: "invoices:read" })).body.code).toBe("missing_scope");
    // Naming another service's scope in the request is not a scope name at all.
    expect((await verify(searchKey, { token: billingToken.value, scope: "billing/invoices:read" })).status).toBe(400);
  });

  it("lets exactly N of 10×N concurrent verifies through and never charges below zero", async () => {
    const quota = 30;
    const token = await insertToken(org.id, { quotaMax: quota, serviceScopes: ["billing/invoices"] });
    expect((await verify(billingKey, { token: token.value, scope: "invoices:read", cost: 0 })).body.valid).toBe(true);
    const answers = await Promise.all(
      Array.from({ length: quota * 10 }, () => verify(billingKey, { token: token.value, scope: "invoices:read" })),
    );
    expect(answers.filter((answer) => answer.body.valid === true)).toHaveLength(quota);
    expect(answers.filter((answer) => answer.body.code === "quota_exhausted")).toHaveLength(quota * 9);
    expect(await quotaOf(token.tokenId)).toBe(0);
  });

  // A service (or whoever holds its key) tries to credit a token, or charge it in a way the quota cannot account for.
  it("refuses a cost that is negative, fractional, above the limit or not a number (400), and charges nothing", async () => {
    const token = await insertToken(org.id, { quotaMax: 10, serviceScopes: ["billing/invoices"] });
    for (const cost of [-1, -0.5, 0.5, 1.5, MAX_VERIFY_COST + 1, 1e308, "3", null, true]) {
      const response = await verify(billingKey, { token: token.value, scope: "invoices:read", cost });
      expect(response.status, String(cost)).toBe(400);
      expect(response.body.error.details.issues[0].field, String(cost)).toBe("body.cost");
    }
    expect(await quotaOf(token.tokenId)).toBe(10);
  });

  it("refuses a cost above what is left whole (quota_exhausted): no partial charge, and the rest stays usable", async () => {
    const token = await insertToken(org.id, { quotaMax: 10, serviceScopes: ["billing/invoices"] });
    expect((await verify(billingKey, { token: token.value, scope: "invoices:read", cost: MAX_VERIFY_COST })).body).toMatchObject({
      valid: false,
      code: "quota_exhausted",
      quota: { remaining: 10, max: 10 },
    });
    expect((await verify(billingKey, { token: token.value, scope: "invoices:read", cost: 11 })).body.code).toBe("quota_exhausted");
    expect(await quotaOf(token.tokenId)).toBe(10);
    expect((await verify(billingKey, { token: token.value, scope: "invoices:read", cost: 10 })).body.valid).toBe(true);
    expect(await quotaOf(token.tokenId)).toBe(0);
  });

  // The key's holder has a token value in hand (a customer sent it) and asks about it beyond its own service and org.
  it("a key learns nothing of another organization's token, whatever its state, and charges it nothing", async () => {
    const foreign = await insertToken(otherOrg.id, { quotaMax: 5, serviceScopes: ["billing/invoices"] });
    const revoked = await insertToken(otherOrg.id, { serviceScopes: ["billing/invoices"] });
    await db.apiToken.update({ where: { id: revoked.tokenId }, data: { status: "REVOKED", version: { increment: 1 } } });
    const limited = await insertToken(otherOrg.id, { serviceScopes: ["billing/invoices"], allowedNetworks: ["10.0.0.0/8"] });
    for (const value of [foreign.value, revoked.value, limited.value]) {
      const answer = await verify(billingKey, { token: value, scope: "invoices:read", cost: 5, ip: "192.0.2.1" });
      expect(answer.body).toEqual({ valid: false, code: "unknown", message: expect.any(String) });
    }
    expect(await quotaOf(foreign.tokenId)).toBe(5);
    await server.handler.flush();
    expect(await db.usageEvent.count({ where: { tokenId: { in: [foreign.tokenId, revoked.tokenId, limited.tokenId] } } })).toBe(0);
  });

  describe("the service key", () => {
    it("is refused when missing, malformed, a token, rotated out, or of a deleted service (401)", async () => {
      const token = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
      const body = { token: token.value, scope: "invoices:read" };
      expect((await callApi(server.url, "/v1/verify", { method: "POST", json: body })).status).toBe(401);
      expect((await verify("kws_nope", body)).status).toBe(401);
      expect((await verify(token.value, body)).status).toBe(401);

      const { key, service } = await createService(admin, org.id, { ...BILLING, slug: "temp", name: "Temp" });
      expect((await verify(key, { ...body, scope: "invoices:read" })).status).toBe(200);
      const rotated = await rotateServiceKey(admin, org.id, service.id);
      expect((await verify(key, body)).status).toBe(401);
      expect((await verify(rotated!.key, body)).status).toBe(200);
      await deleteService(admin, org.id, service.id);
      const refused = await verify(rotated!.key, body);
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toMatch(/service key/);
    });

    it("authenticates nothing under /v0/: it cannot read, list or change tokens", async () => {
      const headers = { authorization: `Bearer ${billingKey}` };
      const basic = { authorization: `Basic ${Buffer.from(`${billingKey}:`).toString("base64")}` };
      for (const auth of [headers, basic]) {
        expect((await callApi(server.url, "/v0/quota", { headers: auth })).status).toBe(401);
        expect((await callApi(server.url, `/v0/orgs/${org.slug}/api-tokens`, { headers: auth })).status).toBe(401);
        expect(
          (await callApi(server.url, `/v0/orgs/${org.slug}/api-tokens`, { method: "POST", headers: auth, json: { name: "x" } })).status,
        ).toBe(401);
      }
    });
  });

  it("answers a bad body with 400 and Keyward's error shape", async () => {
    const malformed = await callApi(server.url, "/v1/verify", {
      method: "POST",
      headers: { authorization: `Bearer ${billingKey}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: { message: expect.any(String), details: null } });
    const missing = await verify(billingKey, { token: "kw_x" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual({ issues: [expect.objectContaining({ field: "body.scope" })] });
    expect((await verify(billingKey, { token: "kw_x", scope: "invoices:read", cost: -1 })).status).toBe(400);
    expect((await verify(billingKey, { token: "kw_x", scope: "invoices:read", extra: 1 })).status).toBe(400);
    expect((await callApi(server.url, "/v1/verify", { headers: { authorization: `Bearer ${billingKey}` } })).status).toBe(405);
  });
});

describe("POST /v1/verify across server processes", () => {
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    [a, b] = await Promise.all([spawnApiProcess(), spawnApiProcess()]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("charges exactly under a race between two processes", async () => {
    const quota = 20;
    const token = await insertToken(org.id, { quotaMax: quota, serviceScopes: ["billing/invoices"] });
    for (const process of [a, b])
      expect((await verify(billingKey, { token: token.value, scope: "invoices:read", cost: 0 }, process.url)).body.valid).toBe(true);
    const answers = await Promise.all(
      Array.from({ length: quota * 10 }, (_, i) =>
        verify(billingKey, { token: token.value, scope: "invoices:read" }, i % 2 ? a.url : b.url),
      ),
    );
    expect(answers.filter((answer) => answer.body.valid === true)).toHaveLength(quota);
    expect(await quotaOf(token.tokenId)).toBe(0);
  });

  it("refuses a token revoked through another process on the very next verify", async () => {
    const token = await insertToken(org.id, { serviceScopes: ["billing/invoices"] });
    const manager = await insertToken(org.id, { scopes: ["api-tokens"] });
    expect((await verify(billingKey, { token: token.value, scope: "invoices:read" }, b.url)).body.valid).toBe(true);
    const revoked = await callApi(a.url, `/v0/orgs/${org.slug}/api-tokens/revoke`, {
      token: manager.value,
      method: "POST",
      json: { uuid: token.tokenId },
    });
    expect(revoked.status).toBe(200);
    expect((await verify(billingKey, { token: token.value, scope: "invoices:read" }, b.url)).body).toMatchObject({
      valid: false,
      code: "revoked",
    });
  });

  it("refuses everything for a service disabled in the dashboard on the very next verify, in every process", async () => {
    const { key, service } = await createService(admin, org.id, { ...BILLING, slug: "procs", name: "Procs" });
    const token = await insertToken(org.id, { serviceScopes: ["procs/invoices"] });
    for (const process of [a, b])
      expect((await verify(key, { token: token.value, scope: "invoices:read" }, process.url)).body.valid).toBe(true);
    await setServiceEnabled(admin, org.id, service.id, false);
    for (const process of [a, b]) {
      expect((await verify(key, { token: token.value, scope: "invoices:read" }, process.url)).body.code).toBe("service_disabled");
    }
  });
});
