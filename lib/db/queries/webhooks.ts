import "server-only";

import { AUTO_PAUSE_REASON_PREFIX } from "@/lib/domain/webhooks/delivery";

import { db } from "../client";
import { WEBHOOK_SELECT, webhookDto, type WebhookDto } from "../webhooks/mutations";

// The Webhooks page: the org's webhooks with their recent delivery attempts, and the admins' banner.

export const DELIVERY_LOG_LENGTH = 20;

export type WebhookAttemptItem = {
  id: string;
  deliveryId: string;
  eventType: string;
  attempt: number;
  at: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  deliveryStatus: string;
};

export type WebhookPageItem = WebhookDto & { waiting: number; attempts: WebhookAttemptItem[] };

export async function listWebhooksForPage(orgId: string): Promise<WebhookPageItem[]> {
  const rows = await db.webhook.findMany({ where: { orgId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: WEBHOOK_SELECT });
  return Promise.all(
    rows.map(async (row) => {
      const [waiting, attempts] = await Promise.all([
        db.webhookDelivery.count({ where: { webhookId: row.id, orgId, status: "PENDING" } }),
        db.webhookAttempt.findMany({
          where: { webhookId: row.id, delivery: { orgId } },
          orderBy: [{ at: "desc" }, { attempt: "desc" }],
          take: DELIVERY_LOG_LENGTH,
          select: {
            id: true,
            deliveryId: true,
            attempt: true,
            at: true,
            statusCode: true,
            durationMs: true,
            error: true,
            delivery: { select: { eventType: true, status: true } },
          },
        }),
      ]);
      return {
        ...webhookDto(row),
        waiting,
        attempts: attempts.map(({ delivery, ...attempt }) => ({
          ...attempt,
          eventType: delivery.eventType,
          deliveryStatus: delivery.status,
        })),
      };
    }),
  );
}

/** Webhooks Keyward paused itself (repeated failures), for the admins' banner. */
export async function autoPausedWebhooks(orgId: string): Promise<{ id: string; name: string }[]> {
  return db.webhook.findMany({
    where: { orgId, pausedAt: { not: null }, pauseReason: { startsWith: AUTO_PAUSE_REASON_PREFIX } },
    orderBy: { pausedAt: "desc" },
    select: { id: true, name: true },
  });
}
