import type { Db } from "../db/client";
import { claimDuePauseAlerts, markPauseAlertFailed, markPauseAlertSent } from "../db/webhooks/pause-alerts";
import { deliverWebhookPauseMail, mailConfigured } from "../mail/webhook-pause-mail";

// Sends the queued pause alerts (lib/db/webhooks/pause-alerts.ts), after the pause has committed:
// a mail server that is slow or down delays only the mail, and a failed send is retried later.

export async function sendDuePauseAlerts(db: Db, now: Date): Promise<{ sent: number; failed: number }> {
  const outcome = { sent: 0, failed: 0 };
  // Without SMTP the alerts wait (nothing is queued without it, but SMTP_URL may have been unset since).
  if (!mailConfigured()) return outcome;
  for (const alert of await claimDuePauseAlerts(db, now)) {
    const delivery = await deliverWebhookPauseMail(alert);
    if (delivery === "sent") {
      await markPauseAlertSent(db, alert, now);
      outcome.sent++;
    } else {
      await markPauseAlertFailed(db, alert, now);
      outcome.failed++;
    }
  }
  return outcome;
}
