import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { getKeyring } from "@/lib/config/keyring";
import { recordAudit } from "@/lib/db/audit";
import { db } from "@/lib/db/client";
import type { TokenActor } from "@/lib/db/token-mutations";
import { encryptLegacyWebhookHeaders } from "@/lib/db/webhooks/headers-encryption";
import { createWebhook, sendTestEvent, setWebhookPaused, updateWebhook } from "@/lib/db/webhooks/mutations";
import { enqueueTimedEvents } from "@/lib/db/webhooks/timed-events";
import { MAX_DELIVERY_ATTEMPTS, PAUSE_AFTER_CONSECUTIVE_FAILURES } from "@/lib/domain/webhooks/delivery";
import type { WebhookEventType } from "@/lib/domain/webhooks/events";
import { createWebhookSender } from "@/lib/server/webhook-sender";
import { deliverDueWebhooks, startWebhookWorker } from "@/lib/server/webhook-worker";

import { callApi, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { spawnApiProcess, type ApiProcess } from "../support/api-processes";
import { holdExclusive } from "../support/exclusive";
import { createTestOrg } from "../support/request-as";
import { isSignedBy, startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

// Webhook delivery end to end: a local receiver checks every signature; events are enqueued in
// the change's own transaction; retries back off on a clock the test controls; a webhook that
// keeps failing is paused and admins are told; a delivery survives kill -9 of the server sending it.

const SECRET = "receiver-shared-secret-0123456789";
let receiver: WebhookReceiver;
let server: TestApiServer;
const send = createWebhookSender({ allowPrivate: true });
const cleanups: (() => Promise<unknown>)[] = [];

let releaseOutbox: () => Promise<void>;

beforeAll(async () => {
  // Delivery passes claim every due row in the database: the webhook test files take turns.
  releaseOutbox = await holdExclusive("webhook-outbox");
  // The receiver is on loopback, which webhooks may reach only when allowed.
  process.env.KEYWARD_WEBHOOK_ALLOW_PRIVATE = "1";
  receiver = await startWebhookReceiver();
  server = await startApiServer();
});

afterEach(async () => {
  receiver.respondWith(200);
  while (cleanups.length > 0) await cleanups.pop()!();
});

afterAll(async () => {
  await Promise.all([receiver?.close(), server?.close()]);
  delete process.env.KEYWARD_WEBHOOK_ALLOW_PRIVATE;
  await releaseOutbox?.();
});

async function orgWithWebhook(label: string, events: WebhookEventType[] = ["token.revoked"]) {
  const { org, admin } = await createTestOrg(label);
  const actor: TokenActor = { kind: "user", userId: admin.id, label: admin.email, ip: null, userAgent: null };
  const webhook = await createWebhook(actor, org.id, {
    name: "receiver",
    url: receiver.url,
    secret: SECRET,
    events: [...events],
    headers: { "X-Team": "ops" },
  });
  // Its deliveries go with it, so no later pass of another test picks them up.
  cleanups.push(() => db.webhook.deleteMany({ where: { id: webhook.id } }));
  ourWebhooks.push(webhook.id);
  return { org, admin, actor, webhook };
}

/** This file's webhooks: its delivery passes leave other files' rows alone. */
const ourWebhooks: string[] = [];

const revokedEvent = (orgId: string, tokenId: string) =>
  ({ orgId, actor: { type: "system", label: "test" }, action: "token.revoked", target: { type: "token", id: tokenId } }) as const;

describe("webhook delivery", () => {
  it("delivers a revoked token's event to the receiver, signed with the webhook's secret", async () => {
    const { org, webhook } = await orgWithWebhook("hook-revoke");
    const stopWorker = startWebhookWorker(db, () => {}, { intervalMs: 50 });
    cleanups.push(async () => stopWorker());
    const target = await insertToken(org.id, { name: "ci deploy" });
    const manager = await insertToken(org.id, { scopes: ["api-tokens"] });

    const revoked = await callApi(server.url, `/v0/orgs/${org.slug}/api-tokens/revoke`, {
      token: manager.value,
      method: "POST",
      json: { uuid: target.tokenId },
    });
    expect(revoked.status).toBe(200);

    const request = await receiver.waitFor((r) => r.json.type === "token.revoked" && JSON.stringify(r.json).includes(target.tokenId));
    expect(isSignedBy(SECRET, request)).toBe(true);
    expect(isSignedBy("some-other-secret-0123456789", request)).toBe(false);
    expect(request.headers["x-keyward-event"]).toBe("token.revoked");
    expect(request.headers["x-team"]).toBe("ops");
    expect(request.json).toMatchObject({
      type: "token.revoked",
      org: { id: org.id, slug: org.slug },
      data: { target: { type: "token", id: target.tokenId }, actor: { type: "token" }, details: { name: "ci deploy" } },
    });
    // The log shows the delivery with its status code.
    const delivery = await db.webhookDelivery.findFirstOrThrow({
      where: { webhookId: webhook.id, id: String(request.headers["x-keyward-delivery"]) },
    });
    await expect.poll(async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe("DELIVERED");
    expect(await db.webhookAttempt.findMany({ where: { deliveryId: delivery.id }, select: { attempt: true, statusCode: true } })).toEqual([
      { attempt: 1, statusCode: 200 },
    ]);
  });

  it("enqueues an event with its change's transaction: nothing for a rollback, one delivery for a commit", async () => {
    const { org, webhook } = await orgWithWebhook("hook-tx");
    await expect(
      db.$transaction(async (tx) => {
        await recordAudit(tx, revokedEvent(org.id, "rolled-back-token"));
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.webhookDelivery.count({ where: { webhookId: webhook.id } })).toBe(0);

    await db.$transaction((tx) => recordAudit(tx, revokedEvent(org.id, "committed-token")));
    const deliveries = await db.webhookDelivery.findMany({ where: { webhookId: webhook.id } });
    expect(deliveries).toHaveLength(1);
    expect(JSON.parse(deliveries[0]!.payload)).toMatchObject({ type: "token.revoked", data: { target: { id: "committed-token" } } });

    // An event the webhook did not subscribe to adds nothing.
    await recordAudit(db, { ...revokedEvent(org.id, "x"), action: "token.created" });
    expect(await db.webhookDelivery.count({ where: { webhookId: webhook.id } })).toBe(1);
  });

  it("retries a failing delivery at 30 s, 1 min, 2 min, … and gives up after the last attempt", async () => {
    const { org, webhook } = await orgWithWebhook("hook-retry");
    receiver.respondWith(503);
    const t0 = new Date(Date.now() + 365 * 86_400_000);
    await recordAudit(db, { ...revokedEvent(org.id, "t"), metadata: {} });
    await db.webhookDelivery.updateMany({ where: { webhookId: webhook.id }, data: { nextAttemptAt: t0 } });
    const delivery = () => db.webhookDelivery.findFirstOrThrow({ where: { webhookId: webhook.id } });

    let now = t0;
    const expectedDelays: number[] = [];
    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) {
      // A moment before it is due, nothing is sent.
      if (attempt > 1) {
        await deliverDueWebhooks(db, { now: new Date(now.getTime() - 1), send, owner: "test", webhookIds: ourWebhooks });
        expect((await delivery()).attempts).toBe(attempt - 1);
      }
      await deliverDueWebhooks(db, { now, send, owner: "test", webhookIds: ourWebhooks });
      const row = await delivery();
      expect(row.attempts).toBe(attempt);
      if (attempt < MAX_DELIVERY_ATTEMPTS) {
        expect(row.status).toBe("PENDING");
        expectedDelays.push(row.nextAttemptAt.getTime() - now.getTime());
        now = row.nextAttemptAt;
      } else {
        expect(row.status).toBe("FAILED");
      }
    }
    expect(expectedDelays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000]);
    const attempts = await db.webhookAttempt.findMany({ where: { webhookId: webhook.id }, orderBy: { attempt: "asc" } });
    expect(attempts.map((row) => [row.attempt, row.statusCode])).toEqual(
      Array.from({ length: MAX_DELIVERY_ATTEMPTS }, (_, i) => [i + 1, 503]),
    );
    // A given-up delivery is never sent again.
    await deliverDueWebhooks(db, { now: new Date(now.getTime() + 86_400_000), send, owner: "test", webhookIds: ourWebhooks });
    expect((await delivery()).attempts).toBe(MAX_DELIVERY_ATTEMPTS);
  });

  it(`pauses a webhook after ${PAUSE_AFTER_CONSECUTIVE_FAILURES} failures in a row, tells admins, still sends test events, and resumes`, async () => {
    const { org, actor, webhook } = await orgWithWebhook("hook-pause");
    receiver.respondWith(500);
    const t0 = new Date(Date.now() + 2 * 365 * 86_400_000);
    for (let i = 0; i < PAUSE_AFTER_CONSECUTIVE_FAILURES + 2; i++) await recordAudit(db, revokedEvent(org.id, `token-${i}`));
    await db.webhookDelivery.updateMany({ where: { webhookId: webhook.id }, data: { nextAttemptAt: t0 } });

    // One at a time, so the count is exact: the webhook pauses on the Nth failure.
    for (let i = 0; i < PAUSE_AFTER_CONSECUTIVE_FAILURES; i++) {
      expect((await db.webhook.findUniqueOrThrow({ where: { id: webhook.id } })).pausedAt).toBeNull();
      await deliverDueWebhooks(db, { now: t0, send, owner: "test", limit: 1, webhookIds: ourWebhooks });
    }
    const paused = await db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(paused.pausedAt).not.toBeNull();
    expect(paused.pauseReason).toContain("HTTP 500");
    const alert = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "webhook.auto_paused", targetId: webhook.id } });
    expect(JSON.parse(alert.metadata)).toMatchObject({ consecutiveFailures: PAUSE_AFTER_CONSECUTIVE_FAILURES, lastError: "HTTP 500" });

    // Paused: nothing more is attempted, however late it gets.
    const attemptsWhenPaused = await db.webhookAttempt.count({ where: { webhookId: webhook.id } });
    await deliverDueWebhooks(db, { now: new Date(t0.getTime() + 86_400_000), send, owner: "test", webhookIds: ourWebhooks });
    expect(await db.webhookAttempt.count({ where: { webhookId: webhook.id } })).toBe(attemptsWhenPaused);

    // A test event still goes out, so the receiver can be checked before resuming.
    receiver.respondWith(200);
    const testDelivery = await sendTestEvent(actor, org.id, webhook.id, t0);
    await deliverDueWebhooks(db, { now: t0, send, owner: "test", webhookIds: ourWebhooks });
    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { id: testDelivery! } })).status).toBe("DELIVERED");

    // Resumed: everything that waited is delivered.
    expect(await setWebhookPaused(actor, org.id, webhook.id, false)).toBe(true);
    await deliverDueWebhooks(db, { now: new Date(t0.getTime() + 86_400_000), send, owner: "test", webhookIds: ourWebhooks });
    expect(await db.webhookDelivery.count({ where: { webhookId: webhook.id, status: { not: "DELIVERED" } } })).toBe(0);
    expect((await db.webhook.findUniqueOrThrow({ where: { id: webhook.id } })).consecutiveFailures).toBe(0);
  });

  it("sends the headers stored encrypted, and those of a row stored in plain text before encryption, before and after it is encrypted", async () => {
    const { org, actor, webhook } = await orgWithWebhook("hook-headers");
    await updateWebhook(actor, org.id, webhook.id, { headers: { Authorization: "Bearer receiver-credential-0042" } });
    expect(await storedRowText(webhook.id)).not.toContain("receiver-credential-0042");
    const deliveredHeaders = async () => {
      const deliveryId = await sendTestEvent(actor, org.id, webhook.id, new Date());
      await deliverDueWebhooks(db, { now: new Date(), send, owner: "test", webhookIds: ourWebhooks });
      return (await receiver.waitFor((request) => request.headers["x-keyward-delivery"] === deliveryId)).headers;
    };
    expect((await deliveredHeaders()).authorization).toBe("Bearer receiver-credential-0042");

    // What the migration leaves of a row written before: the plain "headers" column, no ciphertext.
    await db.$executeRaw`UPDATE "Webhook" SET "headers" = ${'{"X-Api-Key":"legacy-credential-0042"}'}, "headersCiphertext" = NULL, "headersKeyVersion" = NULL WHERE "id" = ${webhook.id}`;
    expect((await deliveredHeaders())["x-api-key"]).toBe("legacy-credential-0042");
    await encryptLegacyWebhookHeaders(db, getKeyring());
    expect(await storedRowText(webhook.id)).not.toContain("legacy-credential-0042");
    const afterwards = await deliveredHeaders();
    expect(afterwards["x-api-key"]).toBe("legacy-credential-0042");
    expect(afterwards.authorization).toBeUndefined();
  });
});

describe("webhook delivery across a crash", () => {
  let first: ApiProcess | undefined;
  let second: ApiProcess | undefined;

  afterAll(async () => {
    await Promise.all([first?.stop("SIGKILL"), second?.stop()]);
  });

  it("delivers an event whose sender was killed with -9 mid-send, once another server starts", async () => {
    const { org, webhook } = await orgWithWebhook("hook-crash");
    Object.assign(process.env, { WEBHOOK_WORKER_MS: "50", WEBHOOK_LEASE_MS: "1000" });
    try {
      receiver.respondWith("hang");
      first = await spawnApiProcess();
      await recordAudit(db, revokedEvent(org.id, "crash-token"));
      const inFlight = await receiver.waitFor((r) => JSON.stringify(r.json).includes("crash-token"), 60_000);
      await first.stop("SIGKILL");
      // Claimed, sent, never answered: still pending, with no attempt recorded.
      const deliveryId = String(inFlight.headers["x-keyward-delivery"]);
      expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).toMatchObject({ status: "PENDING", attempts: 0 });

      receiver.respondWith(200);
      second = await spawnApiProcess();
      await expect
        .poll(async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).status, {
          timeout: 60_000,
          interval: 50,
        })
        .toBe("DELIVERED");
      const copies = receiver.received.filter((r) => r.headers["x-keyward-delivery"] === deliveryId);
      expect(copies.length).toBeGreaterThanOrEqual(2);
      // The same event both times: a receiver can drop the repeat by its id.
      expect(new Set(copies.map((r) => r.json.id)).size).toBe(1);
      expect(copies.every((r) => isSignedBy(SECRET, r))).toBe(true);
      expect(await db.webhookDelivery.count({ where: { webhookId: webhook.id } })).toBe(1);
    } finally {
      delete process.env.WEBHOOK_WORKER_MS;
      delete process.env.WEBHOOK_LEASE_MS;
    }
  });
});

describe("events found by looking (no audit row)", () => {
  it("enqueues token.expired once per expiry, and not for a webhook added afterwards", async () => {
    const { org, webhook } = await orgWithWebhook("hook-expiry", ["token.expired"]);
    const now = new Date();
    await db.webhook.update({ where: { id: webhook.id }, data: { createdAt: new Date(now.getTime() - 3_600_000) } });
    const token = await insertToken(org.id, { name: "short-lived", expiresAt: new Date(now.getTime() - 60_000) });
    expect(await enqueueTimedEvents(db, now)).toBeGreaterThanOrEqual(1);
    await enqueueTimedEvents(db, new Date(now.getTime() + 30_000));
    const deliveries = await db.webhookDelivery.findMany({ where: { webhookId: webhook.id } });
    expect(deliveries.map((d) => [d.eventType, JSON.parse(d.payload).data.target.id])).toEqual([["token.expired", token.tokenId]]);

    // A webhook created after the token expired is not told about it.
    const later = await createWebhook({ kind: "system", label: "t", ip: null, userAgent: null }, org.id, {
      name: "later",
      url: receiver.url,
      secret: SECRET,
      events: ["token.expired"],
    });
    cleanups.push(() => db.webhook.deleteMany({ where: { id: later.id } }));
    await enqueueTimedEvents(db, new Date(now.getTime() + 60_000));
    expect(await db.webhookDelivery.count({ where: { webhookId: later.id } })).toBe(0);
  });

  it("enqueues token.quota_exhausted once per quota window, from the refused-call counts", async () => {
    const { org, webhook } = await orgWithWebhook("hook-quota", ["token.quota_exhausted"]);
    const token = await insertToken(org.id, { name: "busy bot", quotaMax: 1 });
    const now = new Date();
    await db.webhook.update({ where: { id: webhook.id }, data: { createdAt: new Date(now.getTime() - 3_600_000) } });
    const refusal = (minute: Date) =>
      db.refusedCallCount.create({
        data: { tokenId: token.tokenId, valueId: token.valueId, reason: "quota", minute, orgId: org.id, count: 3, lastAt: minute },
      });
    await refusal(new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 60_000));
    await refusal(new Date(Math.floor(now.getTime() / 60_000) * 60_000));
    await enqueueTimedEvents(db, now);
    await enqueueTimedEvents(db, new Date(now.getTime() + 30_000));
    const deliveries = await db.webhookDelivery.findMany({ where: { webhookId: webhook.id } });
    expect(deliveries).toHaveLength(1);
    expect(JSON.parse(deliveries[0]!.payload)).toMatchObject({
      type: "token.quota_exhausted",
      data: { target: { id: token.tokenId }, details: { name: "busy bot", maxQuota: 1 } },
    });

    // The next window's first refusal is a new event.
    await db.apiToken.update({ where: { id: token.tokenId }, data: { quotaResetAt: new Date(now.getTime() + 40 * 86_400_000) } });
    await enqueueTimedEvents(db, new Date(now.getTime() + 60_000));
    expect(await db.webhookDelivery.count({ where: { webhookId: webhook.id } })).toBe(2);
  });
});

/** Every column of the stored row, as the database holds it (raw SQL: no client-side mapping). */
async function storedRowText(id: string): Promise<string> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "Webhook" WHERE "id" = ${id}`;
  expect(rows).toHaveLength(1);
  return JSON.stringify(rows[0], (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
}
