import nodemailer, { type Transporter } from "nodemailer";
import SMTPTransport from "nodemailer/lib/smtp-transport";

import { logger } from "../logger";

export const DEFAULT_MAIL_FROM = "Keyward <keyward@localhost>";

let cached: { url: string; transporter: Transporter } | undefined;

/** The SMTP transport for SMTP_URL (smtp:// or smtps://, credentials in the URL), or null when mail is not configured. */
export function mailTransport(): Transporter | null {
  const url = process.env.SMTP_URL?.trim();
  if (!url) return null;
  if (cached?.url !== url) {
    // Short timeouts: an admin waits on the send, and a dead mail server must not hang the page for minutes.
    cached = {
      url,
      transporter: nodemailer.createTransport(
        new SMTPTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }),
      ),
    };
  }
  return cached.transporter;
}

export function mailFrom(): string {
  return process.env.SMTP_FROM?.trim() || DEFAULT_MAIL_FROM;
}

/** "not_configured": SMTP_URL is unset (the caller falls back); "failed": the send did not happen, try again later. */
export type Delivery = "sent" | "not_configured" | "failed";

/**
 * Sends one composed mail from SMTP_FROM. Failures are logged with the recipient and `what`
 * ("the invitation"), never with the mail's content: it can carry a link that grants access.
 */
export async function sendMail(
  mail: { to: string; subject: string; text: string; html: string },
  what: string,
  onNotConfigured?: () => void,
): Promise<Delivery> {
  let transport;
  try {
    transport = mailTransport();
  } catch (error) {
    logger.error({ err: error }, "SMTP_URL cannot be used");
    return "failed";
  }
  if (!transport) {
    onNotConfigured?.();
    return "not_configured";
  }
  try {
    await transport.sendMail({ from: mailFrom(), ...mail });
    return "sent";
  } catch (error) {
    logger.error({ err: error, to: mail.to }, `could not send ${what}`);
    return "failed";
  }
}
