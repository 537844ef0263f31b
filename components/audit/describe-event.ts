// Turns an audit event's action and metadata into words. Pure, so the list and the table agree.

export const ACTION_LABELS: Record<string, string> = {
  "token.created": "Token created",
  "token.updated": "Token updated",
  "token.rotated": "Token rotated",
  "token.disabled": "Token disabled",
  "token.enabled": "Token enabled",
  "token.revoked": "Token revoked",
  "token.revealed": "Token value revealed",
  "token.grace_ended": "Grace period ended",
  "token.leak_reported": "Token reported leaked",
  "token.leak_report_dismissed": "Leak report dismissed",
  "token.lookup": "Token looked up",
  "incident.created": "Bulk operation started",
  "incident.resumed": "Bulk operation resumed",
  "incident.completed": "Bulk operation completed",
  "org.incident_settings_updated": "Incident settings changed",
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

const FIELD_LABELS: Record<string, string> = {
  name: "name",
  scopes: "scopes",
  visibility: "visibility",
  quotaMax: "quota",
  quotaWindow: "quota window",
  expiresAt: "expiry",
  allowedNetworks: "allowed networks",
};

/** An empty network list allows any address (an empty scope list grants nothing). */
function showNetworks(value: unknown): string {
  return Array.isArray(value) && value.length === 0 ? "any address" : show(value);
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "none";
  if (Array.isArray(value)) return value.length ? value.join(" ") : "no scopes";
  if (value === "ADMIN_ONLY") return "admin only";
  if (value === "ORGANIZATION") return "organization members";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return value.slice(0, 16).replace("T", " ") + " UTC";
  if (typeof value === "number") return value.toLocaleString("en");
  return String(value);
}

function graceText(seconds: number): string {
  if (seconds <= 0) return "old value stopped at once";
  const hours = seconds / 3600;
  return `old value kept working for ${hours === 1 ? "1 hour" : `${Number.isInteger(hours) ? hours : hours.toFixed(1)} hours`}`;
}

/** One line per detail, e.g. "scopes: report → report:read". */
export function describeDetails(action: string, metadata: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const changes = metadata.changes;
  if (changes && typeof changes === "object") {
    for (const [field, change] of Object.entries(changes as Record<string, { before?: unknown; after?: unknown }>)) {
      const shown = field === "allowedNetworks" ? showNetworks : show;
      lines.push(`${FIELD_LABELS[field] ?? field}: ${shown(change?.before)} → ${shown(change?.after)}`);
    }
  }
  if (typeof metadata.reason === "string") lines.push(metadata.reason);
  if (typeof metadata.incidentId === "string") lines.push(`bulk operation ${metadata.incidentId.slice(0, 8)}`);
  switch (action) {
    case "token.created":
      if (Array.isArray(metadata.scopes)) lines.push(`scopes: ${show(metadata.scopes)}`);
      if (metadata.visibility) lines.push(`visibility: ${show(metadata.visibility)}`);
      if (typeof metadata.quotaMax === "number") lines.push(`quota: ${show(metadata.quotaMax)}${metadata.quotaWindow ? ` ${String(metadata.quotaWindow).toLowerCase()}` : ""}`);
      if (metadata.expiresAt) lines.push(`expires: ${show(metadata.expiresAt)}`);
      if (Array.isArray(metadata.allowedNetworks)) lines.push(`allowed networks: ${showNetworks(metadata.allowedNetworks)}`);
      break;
    case "token.rotated": {
      if (typeof metadata.graceSeconds === "number") lines.push(graceText(metadata.graceSeconds));
      // The new value by its last four and a hash prefix: enough to tell values apart, never the value.
      const after = (metadata.lastFour as { after?: unknown } | undefined)?.after;
      const hashPrefix = (metadata.newValue as { hashPrefix?: unknown } | undefined)?.hashPrefix;
      if (typeof after === "string") lines.push(`new value …${after}${typeof hashPrefix === "string" ? ` (sha256 ${hashPrefix}…)` : ""}`);
      break;
    }
    case "token.leak_reported":
      if (typeof metadata.handling === "string") lines.push(`handled: ${metadata.handling}`);
      if (typeof metadata.url === "string") lines.push(`found at ${metadata.url}`);
      break;
    case "token.revealed":
      if (typeof metadata.lastFour === "string") lines.push(`value ending …${metadata.lastFour}`);
      break;
  }
  return lines;
}
