import type { BadgeTone } from "@/components/ui/badge";
import type { TokenDisplayStatus, TokenVisibility } from "@/lib/db/token-dto";
import type { QuotaWindow } from "@/lib/tokens";

export const VISIBILITY_LABELS: Record<TokenVisibility, string> = {
  ADMIN_ONLY: "Admin only",
  ORGANIZATION: "Organization members",
};

export const VISIBILITY_DESCRIPTIONS: Record<TokenVisibility, string> = {
  ADMIN_ONLY: "Only organization admins can view the token and copy its value.",
  ORGANIZATION: "Every member of the organization can view the token and copy its value.",
};

export const STATUS_BADGES: Record<TokenDisplayStatus, { label: string; tone: BadgeTone }> = {
  ACTIVE: { label: "Active", tone: "green" },
  DISABLED: { label: "Disabled", tone: "amber" },
  EXPIRED: { label: "Expired", tone: "gray" },
  REVOKED: { label: "Revoked", tone: "red" },
};

export const QUOTA_WINDOW_LABELS: Record<QuotaWindow, string> = {
  HOURLY: "per hour",
  DAILY: "per day",
  MONTHLY: "per month",
};

export const QUOTA_WINDOW_OPTIONS = [
  { value: "HOURLY", label: "Hourly" },
  { value: "DAILY", label: "Daily" },
  { value: "MONTHLY", label: "Monthly" },
] as const;

/** A date as YYYY-MM-DD in UTC, the form the expiry field uses. */
export function utcDateInputValue(date: Date | string | null): string {
  if (!date) return "";
  return new Date(date).toISOString().slice(0, 10);
}

export function formatExactTime(date: Date | string): string {
  return new Date(date)
    .toISOString()
    .replace("T", " ")
    .replace(/:\d\d\.\d+Z$/, " UTC");
}

// A token whose admin (onBehalfOfId) was demoted or removed (lib/domain/tokens/authority.ts).
export const FORMER_ADMIN_LABEL = "Created by a former admin";
/** True of every such token, whatever its scopes: the table's tooltip. */
export const FORMER_ADMIN_SUMMARY =
  "The admin this token acts for is no longer an admin of this organization: token-management scopes (api-tokens:*) no longer work for it.";

export function formerAdminExplanation(holdsTokenManagementScope: boolean): string {
  return holdsTokenManagementScope
    ? "Its token-management scopes (api-tokens:*) no longer work; its other scopes keep working until an admin narrows or revokes it (rotating replaces only the value its creator may have kept)."
    : "The admin it acts for is no longer an admin of this organization. It holds no token-management scopes, so it works as before.";
}
