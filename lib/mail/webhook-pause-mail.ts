import { escapeHtml } from "./invitation-mail";
import { sendMail, type Delivery } from "./transport";

// The mail admins get when a webhook pauses itself. It names the webhook, the host it points at
// (not the whole URL: paths and query strings often carry a receiver's own secret), the last
// error and the failure count, and links to the Webhooks page. Never the signing secret or the
// custom header values.

export type WebhookPauseMail = {
  to: string;
  orgName: string;
  orgSlug: string;
  webhookName: string;
  webhookUrl: string;
  consecutiveFailures: number;
  lastError: string;
};

/** Whether alert mail can be sent at all: without SMTP_URL the banner and the audit event are the alert. */
export function mailConfigured(): boolean {
  return Boolean(process.env.SMTP_URL?.trim());
}

/**
 * The Webhooks page's address for a mail sent by the worker, outside any request: so from
 * KEYWARD_PUBLIC_URL (set it whenever Keyward sends mail), else the local default.
 */
export function webhooksPageLink(orgSlug: string): string {
  const origin = process.env.KEYWARD_PUBLIC_URL?.trim().replace(/\/+$/, "") || `http://localhost:${process.env.PORT ?? 3000}`;
  return `${origin}/${encodeURIComponent(orgSlug)}/webhooks`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

export function composeWebhookPauseMail(mail: WebhookPauseMail) {
  const host = hostOf(mail.webhookUrl);
  const link = webhooksPageLink(mail.orgSlug);
  const subject = `Webhook "${mail.webhookName}" in ${mail.orgName} was paused after ${mail.consecutiveFailures} failed deliveries`;
  const text = [
    `Keyward paused the webhook "${mail.webhookName}" (to ${host}) in ${mail.orgName}: its last ${mail.consecutiveFailures} delivery attempts failed.`,
    "",
    `Last error: ${mail.lastError}`,
    "",
    "Nothing is sent to it while it is paused; new events wait. Fix the receiver, check it with Send test event, then press Resume:",
    link,
  ].join("\n");
  const html = `<p>Keyward paused the webhook <strong>${escapeHtml(mail.webhookName)}</strong> (to ${escapeHtml(host)}) in ${escapeHtml(mail.orgName)}: its last ${mail.consecutiveFailures} delivery attempts failed.</p>
<p>Last error: ${escapeHtml(mail.lastError)}</p>
<p>Nothing is sent to it while it is paused; new events wait. Fix the receiver, check it with <em>Send test event</em>, then press <em>Resume</em>.</p>
<p><a href="${escapeHtml(link)}">Open the Webhooks page</a></p>`;
  return { subject, text, html };
}

/** "not_configured": SMTP_URL is unset (the alert waits); "failed": try again later. */
export function deliverWebhookPauseMail(mail: WebhookPauseMail): Promise<Delivery> {
  return sendMail({ to: mail.to, ...composeWebhookPauseMail(mail) }, "the webhook pause alert");
}
