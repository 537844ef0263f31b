import type { BadgeTone } from "@/components/ui/badge";
import type { IncidentAction } from "@/lib/validations/incident";

export const ACTION_LABELS: Record<IncidentAction, { label: string; verb: string; description: string }> = {
  ROTATE: {
    label: "Rotate",
    verb: "Rotate",
    description: "Each token gets a new value. The old value keeps working for the grace period, then stops.",
  },
  DISABLE: {
    label: "Disable",
    verb: "Disable",
    description: "API calls with these tokens fail from the next request on. They can be enabled again.",
  },
  MAKE_ADMIN_ONLY: {
    label: "Make admin-only",
    verb: "Make admin-only",
    description: "Members can no longer see or copy these tokens. The values keep working.",
  },
  REVOKE: { label: "Revoke", verb: "Revoke", description: "Permanent: every value stops working at once and is destroyed." },
};

export const ACTION_OPTIONS = (Object.keys(ACTION_LABELS) as IncidentAction[]).map((value) => ({
  value,
  label: ACTION_LABELS[value].label,
}));

export const ITEM_STATE_BADGES: Record<"PENDING" | "DONE" | "SKIPPED", { label: string; tone: BadgeTone }> = {
  PENDING: { label: "Pending", tone: "gray" },
  DONE: { label: "Done", tone: "green" },
  SKIPPED: { label: "Skipped", tone: "amber" },
};

export function incidentStatusBadge(incident: { status: "RUNNING" | "COMPLETED"; stalled: boolean }): { label: string; tone: BadgeTone } {
  if (incident.status === "COMPLETED") return { label: "Completed", tone: "green" };
  return incident.stalled ? { label: "Stopped", tone: "red" } : { label: "Running", tone: "sky" };
}

const FILTER_LABELS: Record<string, string> = {
  visibility: "Visibility",
  scope: "Scope",
  status: "Status",
  createdBy: "Creator",
  createdBefore: "Created before",
  usedFrom: "Used from",
  notUsedSince: "Not used since",
  tokenIds: "Selected tokens",
};

/** "Visibility: ORGANIZATION · Scope: report:write", for an incident's stored filter. */
export function describeFilter(filter: Record<string, unknown>, creators: Map<string, string> = new Map()): string {
  const parts = Object.entries(filter).map(([key, value]) => {
    const label = FILTER_LABELS[key] ?? key;
    if (key === "tokenIds" && Array.isArray(value)) return `${label}: ${value.length}`;
    if (key === "createdBy" && typeof value === "string") return `${label}: ${creators.get(value) ?? value}`;
    if (key === "visibility") return `${label}: ${value === "ADMIN_ONLY" ? "admin only" : "organization"}`;
    return `${label}: ${String(value)}`;
  });
  return parts.length > 0 ? parts.join(" · ") : "All tokens that are not revoked";
}

export function formatGrace(seconds: number): string {
  if (seconds === 0) return "no grace period";
  const hours = seconds / 3600;
  return `${hours} hour${hours === 1 ? "" : "s"} of grace`;
}
