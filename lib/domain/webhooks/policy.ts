import { can, ORG_ROLES, type OrgRole } from "../members/policy";
import { adminPowerRefusal, type Visibility } from "../tokens/authority";

// Who may manage an org's webhooks. People: the `webhooks:manage` permission (admins). A webhook
// sends the org's events (token names, member emails) to a URL of its creator's choosing, so a
// token may manage webhooks only as far as its holders could in the dashboard: a token members
// can use (organization-visible) acts as a member and may not; an admin-only token only while the
// admin it acts for still holds the permission.

export type WebhookTokenRefusal = { rule: "member-usable-token" | "former-admin"; message: string };

export function webhookManagementRefusal(token: { visibility: Visibility; onBehalfOfRole: OrgRole | null }): WebhookTokenRefusal | null {
  const refusal = adminPowerRefusal(token, "webhooks:manage");
  if (refusal === "member-usable-token") {
    return {
      rule: refusal,
      message: "Organization members can use this token, and members cannot manage webhooks: use an admin-only token.",
    };
  }
  if (refusal === "former-admin") {
    return {
      rule: refusal,
      message: "This token was created by someone who can no longer manage webhooks: its webhook scopes no longer work.",
    };
  }
  return null;
}

/**
 * Who is mailed when a webhook pauses itself: those who can fix it (manage webhooks). Checked when
 * the alert is written and again when it is sent, so someone demoted or removed meanwhile is not told.
 */
export function receivesPauseAlert(role: OrgRole): boolean {
  return can(role, "webhooks:manage");
}

export const PAUSE_ALERT_ROLES: readonly OrgRole[] = ORG_ROLES.filter(receivesPauseAlert);

/** Sends of one alert before it is given up on (the banner and the audit event remain). */
export const PAUSE_ALERT_MAX_ATTEMPTS = 8;
