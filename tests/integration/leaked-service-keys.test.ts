import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLeakedTokensHandler, LEAKED_TOKENS_PATH, type LeakHandling } from "@/lib/api/leaked-tokens";
import { db } from "@/lib/db/client";
import { adminAlerts } from "@/lib/db/queries/incidents";
import { listServices } from "@/lib/db/queries/services";
import { createService, rotateServiceKey, type ServiceActor } from "@/lib/db/service-mutations";
import { createWebhook } from "@/lib/db/webhooks/mutations";
import type { WebhookEventType } from "@/lib/domain/webhooks/events";
import { generateServiceKey } from "@/lib/tokens/format";

import { callApi, startApiServer, type TestApiServer } from "../support/api";
import { createTestOrg } from "../support/request-as";

// A secret scanner reports a service's verification key (kws_…) to POST /v0/leaked-tokens: it is
// handled like a leaked token under the org's policy (DISABLE revokes the key, FLAG marks it),
// audited, and shown to the admins; the scanner's answer is the same as for junk.

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;

const actorFor = (org: TestOrg): ServiceActor => ({
  kind: "user",
  userId: org.admin.id,
  label: org.admin.email,
  ip: null,
  userAgent: null,
});

let reportServer: Server;
let reportBase: string;
let handler: ReturnType<typeof createLeakedTokensHandler>;
let api: TestApiServer;
const handled: LeakHandling[] = [];
// Addresses of their own (X-Forwarded-For, trusted here): the rate limit is kept in the database, shared with other test files.
let nextAddress = 1;
const freshAddress = () => `203.0.113.${nextAddress++}`;

beforeAll(async () => {
  handler = createLeakedTokensHandler({ trustedProxyHops: 1, onHandled: (h) => handled.push(...h) });
  reportServer = createServer((req, res) => {
    if (req.url === LEAKED_TOKENS_PATH) return void handler(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => reportServer.listen(0, "127.0.0.1", resolve));
  reportBase = `http://127.0.0.1:${(reportServer.address() as AddressInfo).port}`;
  api = await startApiServer();
});

afterAll(async () => {
  await new Promise((resolve) => reportServer.close(resolve));
  await api.close();
});

async function report(keys: string[]) {
  const response = await fetch(`${reportBase}${LEAKED_TOKENS_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": freshAddress() },
    body: JSON.stringify(
      keys.map((token) => ({ token, type: "keyward_service_key", url: "https://github.com/example/repo/blob/abc/.env" })),
    ),
  });
  const text = await response.text();
  await handler.settled();
  return { status: response.status, text };
}

/** 401 when the key verifies nothing; 200 (an answer about the junk token) when it is a live key. */
const verifyStatus = async (key: string) =>
  (
    await callApi(api.url, "/v1/verify", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      json: { token: "x", scope: "invoices" },
    })
  ).status;

async function registerService(org: TestOrg, slug: string) {
  return createService(actorFor(org), org.org.id, {
    slug,
    name: `Billing ${slug}`,
    upstreamUrl: "https://billing.internal/api",
    scopes: [{ name: "invoices", description: "" }],
    routes: [],
    defaultScope: null,
    defaultCost: 1,
  });
}

describe("a leaked service verification key reported to POST /v0/leaked-tokens", () => {
  let disabling: TestOrg;
  let flagging: TestOrg;

  beforeAll(async () => {
    disabling = await createTestOrg("skleakd");
    flagging = await createTestOrg("skleakf");
    await db.org.update({ where: { id: flagging.org.id }, data: { leakedTokenPolicy: "FLAG" } });
  });

  it("revokes the key under DISABLE (the service stays enabled), audits it, tells the admins, and answers as for junk", async () => {
    const { service, key } = await registerService(disabling, "leaky");
    expect(await verifyStatus(key)).toBe(200);

    const matched = await report([key]);
    const junk = await report([generateServiceKey()]);
    const malformed = await report(["kws_not-a-key"]);
    expect(matched.status).toBe(202);
    expect(junk).toMatchObject({ status: matched.status, text: matched.text });
    expect(malformed).toMatchObject({ status: matched.status, text: matched.text });

    expect(await verifyStatus(key)).toBe(401);
    const row = await db.service.findUniqueOrThrow({ where: { id: service.id } });
    expect(row).toMatchObject({ disabledAt: null, keyLeakReportSource: "https://github.com/example/repo/blob/abc/.env" });
    expect(row.keyRevokedAt).not.toBeNull();
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { orgId: disabling.org.id, targetId: service.id, action: "service.key_leak_reported" },
    });
    expect(audit).toMatchObject({ actorLabel: "Leaked-token report", actorUserId: null });
    expect(JSON.parse(audit.metadata)).toMatchObject({ handling: "key-revoked", slug: "leaky", lastFour: key.slice(-4) });
    expect(audit.metadata).not.toContain(key);
    expect(await adminAlerts(disabling.org.id)).toMatchObject({ leakedServiceKeys: 1 });
    const [listed] = await listServices(disabling.org.id);
    expect(listed?.keyLeak).toMatchObject({ revoked: true, source: "https://github.com/example/repo/blob/abc/.env" });

    // Rotating gives a working key and clears the report; the leaked key stays dead, and reporting it again does nothing.
    const rotated = await rotateServiceKey(actorFor(disabling), disabling.org.id, service.id);
    expect(await verifyStatus(rotated!.key)).toBe(200);
    expect(await adminAlerts(disabling.org.id)).toMatchObject({ leakedServiceKeys: 0 });
    handled.length = 0;
    await report([key]);
    expect(handled).toEqual([]);
    expect(await verifyStatus(rotated!.key)).toBe(200);
  });

  it("only flags the key under FLAG: it keeps working, and the report is audited", async () => {
    const { service, key } = await registerService(flagging, "flagged");
    handled.length = 0;
    await report([key, key]);
    expect(handled).toEqual([{ serviceId: service.id, orgId: flagging.org.id, handling: "flagged" }]);
    expect(await verifyStatus(key)).toBe(200);
    const row = await db.service.findUniqueOrThrow({ where: { id: service.id } });
    expect(row.keyLeakReportedAt).not.toBeNull();
    expect(row.keyRevokedAt).toBeNull();
    expect(await db.auditEvent.count({ where: { targetId: service.id, action: "service.key_leak_reported" } })).toBe(1);
    expect(await adminAlerts(flagging.org.id)).toMatchObject({ leakedServiceKeys: 1 });
  });

  it("sends the org's webhooks subscribed to service.key_leak_reported the report, without the key; no other org's", async () => {
    const webhookFor = (org: TestOrg, events: WebhookEventType[]) =>
      createWebhook({ ...actorFor(org), kind: "user" }, org.org.id, {
        name: events.join(" "),
        url: "https://hooks.example.com/keyward",
        secret: "a-webhook-secret-0123456789",
        events,
        headers: {},
      });
    const owner = await createTestOrg("skleakhook");
    const bystander = await createTestOrg("skleakhook2");
    const subscribed = await webhookFor(owner, ["service.key_leak_reported"]);
    const tokensOnly = await webhookFor(owner, ["token.leak_reported"]);
    const elsewhere = await webhookFor(bystander, ["service.key_leak_reported"]);
    const { service, key } = await registerService(owner, "hooked");

    await report([key]);
    const deliveries = await db.webhookDelivery.findMany({ where: { webhookId: { in: [subscribed.id, tokensOnly.id, elsewhere.id] } } });
    expect(deliveries.map((d) => [d.webhookId, d.eventType])).toEqual([[subscribed.id, "service.key_leak_reported"]]);
    expect(JSON.parse(deliveries[0]!.payload)).toMatchObject({
      type: "service.key_leak_reported",
      org: { id: owner.org.id },
      data: {
        actor: { type: "system", label: "Leaked-token report" },
        target: { type: "service", id: service.id },
        details: { slug: "hooked", lastFour: key.slice(-4), handling: "key-revoked", url: "https://github.com/example/repo/blob/abc/.env" },
      },
    });
    expect(deliveries[0]!.payload).not.toContain(key);
    // Nothing is left for a delivery worker to try.
    await db.webhook.deleteMany({ where: { id: { in: [subscribed.id, tokensOnly.id, elsewhere.id] } } });
  });

  it("leaves a key that was already rotated out alone: it cannot be abused any more", async () => {
    const { service, key } = await registerService(disabling, "rotated-out");
    const rotated = await rotateServiceKey(actorFor(disabling), disabling.org.id, service.id);
    handled.length = 0;
    await report([key]);
    expect(handled).toEqual([]);
    expect(await verifyStatus(rotated!.key)).toBe(200);
    expect(await db.auditEvent.count({ where: { targetId: service.id, action: "service.key_leak_reported" } })).toBe(0);
  });
});
