import { sendMail, type Delivery } from "./transport";

export type InvitationMail = {
  to: string;
  orgName: string;
  inviterName: string;
  role: "ADMIN" | "MEMBER";
  link: string;
  expiresAt: Date;
};

/**
 * Sends an invitation by SMTP. Without SMTP_URL (or when the send fails) the caller shows the
 * link to the admin instead. The link is never logged: whoever holds it can join the org as the
 * invitee, and logs travel further than the admin's screen.
 */
export function deliverInvitation(mail: InvitationMail): Promise<Delivery> {
  return sendMail({ to: mail.to, ...composeInvitation(mail) }, "the invitation", () =>
    console.log(`keyward: SMTP_URL is not set; the invitation for ${mail.to} to ${mail.orgName} is shown to the admin who sent it`),
  );
}

export function composeInvitation(mail: InvitationMail) {
  const role = mail.role === "ADMIN" ? "an admin" : "a member";
  const expires = mail.expiresAt.toUTCString();
  const subject = `${mail.inviterName} invited you to ${mail.orgName} on Keyward`;
  const text = [
    `${mail.inviterName} invited you to join ${mail.orgName} on Keyward as ${role}.`,
    "",
    `Accept the invitation: ${mail.link}`,
    "",
    `The link works once and expires ${expires}. If you did not expect this invitation, ignore this email.`,
  ].join("\n");
  const html = `<p>${escapeHtml(mail.inviterName)} invited you to join <strong>${escapeHtml(mail.orgName)}</strong> on Keyward as ${role}.</p>
<p><a href="${escapeHtml(mail.link)}">Accept the invitation</a></p>
<p>The link works once and expires ${escapeHtml(expires)}. If you did not expect this invitation, ignore this email.</p>`;
  return { subject, text, html };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
