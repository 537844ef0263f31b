import { afterAttempt, AUTO_PAUSE_REASON_PREFIX, PAUSE_AFTER_CONSECUTIVE_FAILURES, shouldPause } from "../../domain/webhooks/delivery";
import { TEST_EVENT_TYPE } from "../../domain/webhooks/events";
import { auditRow, createAuditEvent } from "../audit";
import type { Db } from "../client";
import { dialectOf, SqlParams } from "../dialect";
import { STORED_HEADERS_SELECT, type StoredWebhookHeaders } from "./headers-encryption";
import { enqueuePauseAlerts } from "./pause-alerts";

// The outbox's consumer side. Any number of server processes run the worker: a delivery is
// claimed by setting a lease (leaseUntil, leaseOwner) in one statement — on PostgreSQL with
// FOR UPDATE SKIP LOCKED so concurrent claimers skip each other's rows, on SQLite the write lock
// serializes them — and a process killed mid-send leaves a lease that lapses, after which another
// claims the row again: at least once, across restarts.

export type ClaimedDelivery = {
  id: string;
  webhookId: string;
  orgId: string;
  eventType: string;
  payload: string;
  attempts: number;
  url: string;
  // Still encrypted, like the secret: decrypted at send time, where a failure counts as a failed attempt.
  headers: StoredWebhookHeaders;
  secret: { id: string; secretCiphertext: string; secretKeyVersion: number };
};

export async function claimDueDeliveries(
  db: Db,
  options: { owner: string; now: Date; leaseMs: number; limit: number; webhookIds?: readonly string[] },
): Promise<ClaimedDelivery[]> {
  const dialect = dialectOf(db);
  const p = new SqlParams(dialect);
  const leaseUntil = p.time(new Date(options.now.getTime() + options.leaseMs));
  const owner = p.add(options.owner);
  // SQLite's "?" placeholders are positional: each use of a value is its own parameter.
  const due = p.time(options.now);
  const leaseLapsed = p.time(options.now);
  const test = p.add(TEST_EVENT_TYPE);
  // Only these webhooks' deliveries (a pass confined to one's own, as the tests that share a database run it).
  const onlyWebhooks = options.webhookIds ? `AND d."webhookId" IN (${options.webhookIds.map((id) => p.add(id)).join(", ") || "NULL"})` : "";
  const limit = p.add(options.limit);
  const sql = `
    UPDATE "WebhookDelivery" SET "leaseUntil" = ${leaseUntil}, "leaseOwner" = ${owner}
    WHERE "id" IN (
      SELECT d."id" FROM "WebhookDelivery" d JOIN "Webhook" w ON w."id" = d."webhookId"
      WHERE d."status" = 'PENDING' AND d."nextAttemptAt" <= ${due}
        AND (d."leaseUntil" IS NULL OR d."leaseUntil" < ${leaseLapsed})
        AND (w."pausedAt" IS NULL OR d."eventType" = ${test})
        ${onlyWebhooks}
      ORDER BY d."nextAttemptAt" LIMIT ${limit}
      ${dialect === "postgresql" ? "FOR UPDATE OF d SKIP LOCKED" : ""}
    )
    RETURNING "id"`;
  const claimed = await db.$queryRawUnsafe<{ id: string }[]>(sql, ...p.values);
  if (claimed.length === 0) return [];
  const rows = await db.webhookDelivery.findMany({
    where: { id: { in: claimed.map((row) => row.id) }, leaseOwner: options.owner },
    orderBy: { nextAttemptAt: "asc" },
    select: {
      id: true,
      webhookId: true,
      orgId: true,
      eventType: true,
      payload: true,
      attempts: true,
      webhook: { select: { ...STORED_HEADERS_SELECT, url: true, secretCiphertext: true, secretKeyVersion: true } },
    },
  });
  return rows.map((row) => ({
    id: row.id,
    webhookId: row.webhookId,
    orgId: row.orgId,
    eventType: row.eventType,
    payload: row.payload,
    attempts: row.attempts,
    url: row.webhook.url,
    headers: row.webhook,
    secret: row.webhook,
  }));
}

export type AttemptResult = { statusCode: number | null; error: string | null; durationMs: number; delivered: boolean };

/**
 * Records one attempt: the log row, the delivery's next state (delivered, retry at, or failed),
 * and the webhook's failure streak — pausing it, with an audit event admins see, at the limit,
 * and (with `mailAdmins`, when SMTP is configured) the admins' alert mails queued to send after commit.
 * Nothing is written if the lease was lost meanwhile (another process owns the row now).
 */
export async function recordAttempt(
  db: Db,
  delivery: Pick<ClaimedDelivery, "id" | "webhookId" | "orgId" | "attempts">,
  owner: string,
  result: AttemptResult,
  now: Date,
  options: { mailAdmins: boolean } = { mailAdmins: false },
): Promise<{ paused: boolean; status: string }> {
  const attempt = delivery.attempts + 1;
  const next = afterAttempt(attempt, { ok: result.delivered }, now);
  return db.$transaction(async (tx) => {
    const updated = await tx.webhookDelivery.updateMany({
      where: { id: delivery.id, leaseOwner: owner, status: "PENDING" },
      data: {
        attempts: attempt,
        status: next.status,
        leaseUntil: null,
        leaseOwner: null,
        ...(next.status === "PENDING" && { nextAttemptAt: next.nextAttemptAt }),
        ...(next.status === "DELIVERED" && { deliveredAt: now }),
      },
    });
    if (updated.count === 0) return { paused: false, status: "lost-lease" };
    await tx.webhookAttempt.create({
      data: {
        deliveryId: delivery.id,
        webhookId: delivery.webhookId,
        attempt,
        at: now,
        statusCode: result.statusCode,
        durationMs: Math.round(result.durationMs),
        error: result.error?.slice(0, 500) ?? null,
      },
    });
    if (result.delivered) {
      await tx.webhook.updateMany({ where: { id: delivery.webhookId }, data: { consecutiveFailures: 0 } });
      return { paused: false, status: next.status };
    }
    const webhook = await tx.webhook.update({
      where: { id: delivery.webhookId },
      data: { consecutiveFailures: { increment: 1 } },
      select: { consecutiveFailures: true, pausedAt: true, name: true, url: true },
    });
    if (webhook.pausedAt !== null || !shouldPause(webhook.consecutiveFailures)) return { paused: false, status: next.status };
    const reason = `${AUTO_PAUSE_REASON_PREFIX} after ${PAUSE_AFTER_CONSECUTIVE_FAILURES} failed deliveries in a row (last: ${describe(result)}).`;
    await tx.webhook.update({ where: { id: delivery.webhookId }, data: { pausedAt: now, pauseReason: reason } });
    await createAuditEvent(tx, {
      data: auditRow({
        orgId: delivery.orgId,
        actor: { type: "system", label: "Keyward webhooks" },
        action: "webhook.auto_paused",
        target: { type: "webhook", id: delivery.webhookId },
        metadata: { name: webhook.name, url: webhook.url, consecutiveFailures: webhook.consecutiveFailures, lastError: describe(result) },
      }),
    });
    if (options.mailAdmins) {
      await enqueuePauseAlerts(tx, {
        webhookId: delivery.webhookId,
        orgId: delivery.orgId,
        pausedAt: now,
        consecutiveFailures: webhook.consecutiveFailures,
        lastError: describe(result),
      });
    }
    return { paused: true, status: next.status };
  });
}

function describe(result: AttemptResult): string {
  return result.statusCode !== null ? `HTTP ${result.statusCode}` : (result.error ?? "no response");
}
