import { retryDelayMs } from "../../domain/webhooks/delivery";
import { PAUSE_ALERT_MAX_ATTEMPTS, PAUSE_ALERT_ROLES, receivesPauseAlert } from "../../domain/webhooks/policy";
import type { WebhookPauseMail } from "../../mail/webhook-pause-mail";
import type { Db } from "../client";

// The pause-alert outbox (WebhookPauseAlert): rows are written with the automatic pause, in its
// transaction, one per admin; the worker sends them after commit. A row is claimed by moving its
// nextAttemptAt forward in one guarded update, so two server processes never both send it; a
// process killed between the send and marking it sent may send it once more (at least once).

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** How long a claimed alert is held by its sender before another process may try it. */
const CLAIM_MS = 60_000;
const BATCH = 50;

export async function enqueuePauseAlerts(
  tx: Tx,
  pause: { webhookId: string; orgId: string; pausedAt: Date; consecutiveFailures: number; lastError: string },
): Promise<number> {
  const recipients = await tx.membership.findMany({
    where: { orgId: pause.orgId, role: { in: [...PAUSE_ALERT_ROLES] } },
    select: { userId: true },
  });
  if (recipients.length === 0) return 0;
  const created = await tx.webhookPauseAlert.createMany({
    data: recipients.map(({ userId }) => ({ ...pause, lastError: pause.lastError.slice(0, 500), userId, nextAttemptAt: pause.pausedAt })),
  });
  return created.count;
}

export type PauseAlertToSend = WebhookPauseMail & {
  id: string;
  attempts: number;
};

/**
 * Claims the alerts due at `now` that still apply: the webhook is still in the pause the alert is
 * about and the recipient may still manage its webhooks. Alerts that no longer apply are dropped.
 */
export async function claimDuePauseAlerts(db: Db, now: Date): Promise<PauseAlertToSend[]> {
  const due = await db.webhookPauseAlert.findMany({
    where: { sentAt: null, attempts: { lt: PAUSE_ALERT_MAX_ATTEMPTS }, nextAttemptAt: { lte: now } },
    orderBy: { nextAttemptAt: "asc" },
    take: BATCH,
    select: {
      id: true,
      orgId: true,
      userId: true,
      pausedAt: true,
      nextAttemptAt: true,
      consecutiveFailures: true,
      lastError: true,
      attempts: true,
      webhook: { select: { name: true, url: true, pausedAt: true, org: { select: { name: true, slug: true } } } },
    },
  });
  const claimed: PauseAlertToSend[] = [];
  for (const alert of due) {
    const membership = await db.membership.findUnique({
      where: { userId_orgId: { userId: alert.userId, orgId: alert.orgId } },
      select: { role: true, user: { select: { email: true } } },
    });
    const stillPaused = alert.webhook.pausedAt?.getTime() === alert.pausedAt.getTime();
    if (!stillPaused || !membership || !receivesPauseAlert(membership.role) || !membership.user.email) {
      await db.webhookPauseAlert.deleteMany({ where: { id: alert.id, sentAt: null } });
      continue;
    }
    const claim = await db.webhookPauseAlert.updateMany({
      where: { id: alert.id, sentAt: null, nextAttemptAt: alert.nextAttemptAt },
      data: { nextAttemptAt: new Date(now.getTime() + CLAIM_MS) },
    });
    if (claim.count === 0) continue; // another process has it
    claimed.push({
      id: alert.id,
      to: membership.user.email,
      orgName: alert.webhook.org.name,
      orgSlug: alert.webhook.org.slug,
      webhookName: alert.webhook.name,
      webhookUrl: alert.webhook.url,
      consecutiveFailures: alert.consecutiveFailures,
      lastError: alert.lastError,
      attempts: alert.attempts,
    });
  }
  return claimed;
}

export async function markPauseAlertSent(db: Db, alert: Pick<PauseAlertToSend, "id">, now: Date): Promise<void> {
  await db.webhookPauseAlert.updateMany({ where: { id: alert.id, sentAt: null }, data: { sentAt: now } });
}

/** A failed send is tried again after the same backoff as a delivery (30 s, 1 min, 2 min, …). */
export async function markPauseAlertFailed(db: Db, alert: Pick<PauseAlertToSend, "id" | "attempts">, now: Date): Promise<void> {
  const attempts = alert.attempts + 1;
  await db.webhookPauseAlert.updateMany({
    where: { id: alert.id, sentAt: null },
    data: { attempts, nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)) },
  });
}
