import { randomUUID } from "node:crypto";

import type { Db } from "../db/client";
import { claimDueDeliveries, recordAttempt } from "../db/webhooks/deliveries";
import { webhookHeadersOf, webhookSecretOf } from "../db/webhooks/mutations";
import { enqueueTimedEvents } from "../db/webhooks/timed-events";
import { allowPrivateFromEnv } from "../domain/webhooks/url";
import { mailConfigured } from "../mail/webhook-pause-mail";
import { sendDuePauseAlerts } from "./webhook-pause-alerts";
import { createWebhookSender, type SendWebhook } from "./webhook-sender";

// The webhook delivery worker: runs in every server process, claims due deliveries from the
// outbox (lib/db/webhooks/deliveries.ts), sends them signed, and records each attempt.

const POLL_INTERVAL_MS = 1_000;
const TIMED_EVENTS_INTERVAL_MS = 30_000;
/** Longer than a send can take (timeout included), so a live worker never loses its lease mid-send. */
const LEASE_MS = 60_000;
const BATCH = 20;

export type DeliveryPass = { attempted: number; delivered: number; paused: string[] };

/**
 * One pass: everything due at `now` (the caller's clock: tests control it). A webhook that pauses
 * itself queues its admins' alert mail (with SMTP_URL), which sendDuePauseAlerts sends afterwards.
 */
export async function deliverDueWebhooks(
  db: Db,
  options: { now: Date; send: SendWebhook; owner: string; leaseMs?: number; limit?: number; webhookIds?: readonly string[] },
): Promise<DeliveryPass> {
  const claimed = await claimDueDeliveries(db, {
    owner: options.owner,
    now: options.now,
    leaseMs: options.leaseMs ?? LEASE_MS,
    limit: options.limit ?? BATCH,
    webhookIds: options.webhookIds,
  });
  const pass: DeliveryPass = { attempted: 0, delivered: 0, paused: [] };
  const mailAdmins = mailConfigured();
  await Promise.all(
    claimed.map(async (delivery) => {
      let result;
      try {
        result = await options.send({
          url: delivery.url,
          body: delivery.payload,
          secret: webhookSecretOf(delivery.secret),
          eventType: delivery.eventType,
          deliveryId: delivery.id,
          headers: webhookHeadersOf(delivery.headers),
          timestampSeconds: Math.floor(options.now.getTime() / 1000),
        });
      } catch (error) {
        result = { statusCode: null, error: String(error), durationMs: 0, delivered: false };
      }
      const recorded = await recordAttempt(db, delivery, options.owner, result, options.now, { mailAdmins });
      pass.attempted++;
      if (result.delivered) pass.delivered++;
      if (recorded.paused) pass.paused.push(delivery.webhookId);
    }),
  );
  return pass;
}

/** Polls every second (and looks for expired tokens and spent quotas every 30 s); returns a function that stops it. */
export function startWebhookWorker(
  db: Db,
  log: (line: string) => void,
  options: { intervalMs?: number; timedEventsIntervalMs?: number; leaseMs?: number } = {},
): () => void {
  const owner = `${process.pid}-${randomUUID()}`;
  const send = createWebhookSender({ allowPrivate: allowPrivateFromEnv(process.env) });
  let busy = false;
  let lastTimedEvents = 0;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = new Date();
      if (now.getTime() - lastTimedEvents >= (options.timedEventsIntervalMs ?? TIMED_EVENTS_INTERVAL_MS)) {
        lastTimedEvents = now.getTime();
        await enqueueTimedEvents(db, now);
      }
      // Keep going while there is a full batch waiting.
      const leaseMs = options.leaseMs;
      for (let pass = await deliverDueWebhooks(db, { now, send, owner, leaseMs }); pass.attempted >= BATCH;) {
        pass = await deliverDueWebhooks(db, { now: new Date(), send, owner, leaseMs });
      }
    } catch (error) {
      log(`webhook delivery failed: ${String(error)}`);
    } finally {
      busy = false;
    }
  };
  // Alert mail runs beside deliveries, not in their loop: a slow mail server delays only the mail.
  let mailing = false;
  const mailTick = async () => {
    if (mailing) return;
    mailing = true;
    try {
      await sendDuePauseAlerts(db, new Date());
    } catch (error) {
      log(`webhook pause alert mail failed: ${String(error)}`);
    } finally {
      mailing = false;
    }
  };
  const timer = setInterval(() => {
    void tick();
    void mailTick();
  }, options.intervalMs ?? POLL_INTERVAL_MS);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
