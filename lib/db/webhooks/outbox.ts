import { subscribesTo, webhookEventForAudit, type WebhookEventType } from "../../domain/webhooks/events";
import type { Db } from "../client";

// The webhook outbox: deliveries are rows written beside the change they report (one per
// subscribed webhook), and the delivery worker (lib/server/webhook-worker.ts) sends them.

type OutboxWriter = Pick<Db, "webhook" | "webhookDelivery" | "org">;

export type WebhookEvent = {
  /** Unique per event: receivers may use it to drop a repeat (delivery is at least once). */
  id: string;
  type: string;
  at: Date;
  orgId: string;
  actor: { type: "user" | "token" | "system"; label: string } | null;
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
};

/** The JSON body every attempt of this event sends. */
export function eventPayload(event: WebhookEvent, org: { id: string; slug: string }): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.at.toISOString(),
    org: { id: org.id, slug: org.slug },
    data: { actor: event.actor, target: event.target, details: event.details },
  });
}

type AuditRowForOutbox = {
  id: string;
  at: Date;
  orgId: string;
  action: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  actorLabel: string;
  targetType: string | null;
  targetId: string | null;
  metadata: string;
};

/** Called by the audit writer, in its transaction: the audit row's event, if it maps to one. */
export async function enqueueForAudit(writer: OutboxWriter, row: AuditRowForOutbox): Promise<number> {
  const type = webhookEventForAudit(row.action);
  if (!type) return 0;
  return enqueueEvent(writer, type, {
    id: row.id,
    type,
    at: row.at,
    orgId: row.orgId,
    actor: { type: row.actorUserId ? "user" : row.actorTokenId ? "token" : "system", label: row.actorLabel },
    target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
    details: JSON.parse(row.metadata) as Record<string, unknown>,
  });
}

/**
 * One delivery per webhook of the org subscribed to `type` (paused ones too: they are sent on
 * resume). `event.id` is the dedupe key, so enqueueing the same event again adds nothing.
 */
export async function enqueueEvent(
  writer: OutboxWriter,
  type: WebhookEventType,
  event: WebhookEvent,
  options: { webhooksCreatedBefore?: Date } = {},
): Promise<number> {
  const webhooks = await writer.webhook.findMany({
    where: { orgId: event.orgId, ...(options.webhooksCreatedBefore && { createdAt: { lte: options.webhooksCreatedBefore } }) },
    select: { id: true, events: true },
  });
  const subscribed = webhooks.filter((webhook) => subscribesTo(webhook.events, type));
  if (subscribed.length === 0) return 0;
  const existing = await writer.webhookDelivery.findMany({
    where: { webhookId: { in: subscribed.map((webhook) => webhook.id) }, eventKey: event.id },
    select: { webhookId: true },
  });
  const already = new Set(existing.map((row) => row.webhookId));
  const missing = subscribed.filter((webhook) => !already.has(webhook.id));
  if (missing.length === 0) return 0;
  const org = await writer.org.findUniqueOrThrow({ where: { id: event.orgId }, select: { id: true, slug: true } });
  const payload = eventPayload(event, org);
  const result = await writer.webhookDelivery.createMany({
    data: missing.map((webhook) => ({
      webhookId: webhook.id,
      orgId: event.orgId,
      eventKey: event.id,
      eventType: type,
      payload,
      nextAttemptAt: event.at,
    })),
  });
  return result.count;
}
