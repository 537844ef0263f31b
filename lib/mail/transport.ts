import nodemailer, { type Transporter } from "nodemailer";
import SMTPTransport from "nodemailer/lib/smtp-transport";

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
