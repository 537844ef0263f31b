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
  "token.action_refused": "Token action refused",
  "member.invited": "Member invited",
  "member.invitation_resent": "Invitation re-sent",
  "member.invitation_revoked": "Invitation revoked",
  "member.joined": "Member joined",
  "member.left": "Member left",
  "member.removed": "Member removed",
  "member.role_changed": "Role changed",
  "org.github_join_changed": "GitHub joining changed",
  "incident.created": "Bulk operation started",
  "incident.resumed": "Bulk operation resumed",
  "incident.completed": "Bulk operation completed",
  "org.incident_settings_updated": "Incident settings changed",
  "audit.exported": "Audit log exported",
  "webhook.created": "Webhook created",
  "webhook.updated": "Webhook changed",
  "webhook.deleted": "Webhook deleted",
  "webhook.paused": "Webhook paused",
  "webhook.resumed": "Webhook resumed",
  "webhook.auto_paused": "Webhook paused after failures",
  "webhook.test_sent": "Webhook test event sent",
  "repo.created": "Repository created",
  "repo.updated": "Repository updated",
  "repo.archived": "Repository archived",
  "repo.unarchived": "Repository unarchived",
  "repo.deleted": "Repository deleted",
  "repo_label.created": "Repository label created",
  "repo_label.renamed": "Repository label renamed",
  "repo_label.deleted": "Repository label deleted",
  "repo_label.attached": "Label attached to repository",
  "repo_label.detached": "Label detached from repository",
  "service.created": "Service registered",
  "service.updated": "Service changed",
  "service.key_rotated": "Service key rotated",
  "service.key_leak_reported": "Service key reported leaked",
  "service.key_lookup": "Service key looked up",
  "service.disabled": "Service disabled",
  "service.enabled": "Service enabled",
  "service.deleted": "Service deleted",
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

/** What an event needs to be told as a sentence (an audit row, or an export line). */
export type DescribableEvent = {
  actorLabel: string;
  actorKind: "user" | "token" | "system";
  action: string;
  targetType: string | null;
  /** The target token's current name, if it still exists. */
  targetName: string | null;
  metadata: Record<string, unknown>;
};

const ROLE_WORDS: Record<string, string> = { ADMIN: "admin", MEMBER: "member" };
const INCIDENT_VERBS: Record<string, string> = {
  ROTATE: "rotation",
  DISABLE: "disabling",
  MAKE_ADMIN_ONLY: "make-admin-only",
  REVOKE: "revocation",
};

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const role = (value: unknown): string => ROLE_WORDS[String(value)] ?? String(value ?? "member").toLowerCase();
const serviceName = (m: Record<string, unknown>): string => {
  const name = text(m.name) ?? text((m.after as { name?: unknown } | undefined)?.name);
  return name ? `“${name}”` : "(unnamed)";
};
const webhookName = (m: Record<string, unknown>) => (text(m.name) ? `webhook “${text(m.name)}”` : "a webhook");
const plural = (n: number, word: string) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

/**
 * The event as one English sentence: "admin@acme.test invited bob@acme.test as member". The
 * actor is as recorded (an email, an API token's name, or Keyward itself); a token is named by its
 * current name, or the name it was created with.
 */
export function describeEvent(event: DescribableEvent): string {
  const m = event.metadata;
  const actor = event.actorKind === "token" ? `API token “${event.actorLabel}”` : event.actorLabel;
  const tokenName = event.targetName ?? text(m.name);
  const token = tokenName ? `token “${tokenName}”` : event.targetType === "token" ? "a deleted token" : "a token";
  const person = text(m.email) ?? text(m.githubLogin) ?? "someone";
  const repo = text(m.slug) ?? "?";
  switch (event.action) {
    case "token.created":
      return `${actor} created ${token}`;
    case "token.updated":
      return `${actor} changed ${token}`;
    case "token.rotated":
      return `${actor} rotated ${token}`;
    case "token.disabled":
      return `${actor} disabled ${token}`;
    case "token.enabled":
      return `${actor} enabled ${token}`;
    case "token.revoked":
      return `${actor} revoked ${token}`;
    case "token.revealed":
      return `${actor} revealed the value of ${token}`;
    case "token.grace_ended":
      return `${actor} ended the grace period of ${token}'s previous value`;
    case "token.leak_reported":
      return `${actor} reported ${token} as leaked`;
    case "token.leak_report_dismissed":
      return `${actor} dismissed the leak report on ${token}`;
    case "token.lookup":
      return m.found === false
        ? `${actor} looked up a value ending …${text(m.lastFour) ?? "????"}: no token of this organization`
        : `${actor} looked up a value of ${token}`;
    case "token.action_refused":
      return `${actor} was refused an action on ${token}${text(m.message) ? `: ${text(m.message)}` : ""}`;
    case "member.invited":
      return `${actor} invited ${person} as ${role(m.role)}`;
    case "member.invitation_resent":
      return `${actor} re-sent the invitation to ${person}`;
    case "member.invitation_revoked":
      return `${actor} revoked the invitation to ${person}`;
    case "member.joined":
      return `${person} joined as ${role(m.role)}${m.via === "github_org" ? ` (member of GitHub organization ${text(m.githubOrg) ?? "?"})` : ""}`;
    case "member.left":
      return `${person} left the organization`;
    case "member.removed":
      return `${actor} removed ${person} (${role(m.role)})`;
    case "member.role_changed":
      return `${actor} changed ${person}'s role from ${role(m.before)} to ${role(m.after)}`;
    case "org.github_join_changed":
      return text(m.after)
        ? `${actor} let members of GitHub organization ${text(m.after)} join`
        : `${actor} turned off joining through GitHub`;
    case "org.incident_settings_updated":
      return `${actor} changed the incident settings`;
    case "webhook.created":
      return `${actor} created ${webhookName(m)}`;
    case "webhook.updated":
      return `${actor} changed ${webhookName(m)}`;
    case "webhook.deleted":
      return `${actor} deleted ${webhookName(m)}`;
    case "webhook.paused":
      return `${actor} paused ${webhookName(m)}`;
    case "webhook.resumed":
      return `${actor} resumed ${webhookName(m)}`;
    case "webhook.test_sent":
      return `${actor} sent a test event to ${webhookName(m)}`;
    case "webhook.auto_paused": {
      const failures = typeof m.consecutiveFailures === "number" ? m.consecutiveFailures : 0;
      return `Keyward paused ${webhookName(m)} after ${failures.toLocaleString("en")} failed deliver${failures === 1 ? "y" : "ies"} in a row`;
    }
    case "audit.exported":
      return `${actor} exported the audit log as ${String(m.format ?? "a file").toUpperCase()}`;
    case "service.created":
      return `${actor} registered service ${serviceName(m)}`;
    case "service.updated":
      return `${actor} changed service ${serviceName(m)}`;
    case "service.key_rotated":
      return `${actor} rotated the verification key of service ${serviceName(m)}`;
    case "service.key_leak_reported":
      return `${actor} reported the verification key of service ${serviceName(m)} as leaked`;
    case "service.key_lookup":
      return m.found === false
        ? `${actor} looked up a verification key ending …${text(m.lastFour) ?? "????"}: no service of this organization`
        : `${actor} looked up the verification key of service ${serviceName(m)}`;
    case "service.disabled":
      return `${actor} disabled service ${serviceName(m)}: its calls are refused`;
    case "service.enabled":
      return `${actor} enabled service ${serviceName(m)}`;
    case "service.deleted":
      return `${actor} deleted service ${serviceName(m)}`;
    case "incident.created": {
      const total = typeof m.total === "number" ? m.total : 0;
      return `${actor} started a bulk ${INCIDENT_VERBS[String(m.action)] ?? "operation"} of ${plural(total, "token")}`;
    }
    case "incident.resumed":
      return m.automatic ? "Keyward resumed a bulk operation after a restart" : `${actor} resumed a bulk operation`;
    case "incident.completed": {
      const done = typeof m.done === "number" ? m.done : 0;
      const skipped = typeof m.skipped === "number" ? m.skipped : 0;
      return `Bulk ${INCIDENT_VERBS[String(m.action)] ?? "operation"} finished: ${done.toLocaleString("en")} done, ${skipped.toLocaleString("en")} skipped`;
    }
    case "repo.created":
      return `${actor} created repository ${repo}`;
    case "repo.updated":
      return `${actor} changed repository ${repo}`;
    case "repo.archived":
      return `${actor} archived repository ${repo}`;
    case "repo.unarchived":
      return `${actor} unarchived repository ${repo}`;
    case "repo.deleted":
      return `${actor} deleted repository ${repo}`;
    case "repo_label.created":
      return `${actor} created the repository label “${text(m.name) ?? "?"}”`;
    case "repo_label.renamed":
      return `${actor} renamed the repository label “${text(m.before) ?? "?"}” to “${text(m.after) ?? "?"}”`;
    case "repo_label.deleted":
      return `${actor} deleted the repository label “${text(m.name) ?? "?"}”`;
    case "repo_label.attached":
      return `${actor} labelled repository ${repo} “${text(m.label) ?? "?"}”`;
    case "repo_label.detached":
      return `${actor} removed the label “${text(m.label) ?? "?"}” from repository ${repo}`;
    default:
      return `${actor}: ${actionLabel(event.action)}`;
  }
}

const FIELD_LABELS: Record<string, string> = {
  name: "name",
  scopes: "scopes",
  visibility: "visibility",
  quotaMax: "quota",
  quotaWindow: "quota window",
  expiresAt: "expiry",
  allowedNetworks: "allowed networks",
  committers: "committers",
  serviceScopes: "service scopes",
};

/** Socket's committers ({ email, provider, providerLoginName… }), by whatever names them. */
function showCommitters(value: unknown): string {
  if (!Array.isArray(value) || value.length === 0) return "none";
  return value
    .map((committer: { email?: unknown; providerLoginName?: unknown; provider?: unknown }) => {
      const name = [committer?.email, committer?.providerLoginName].find((part) => typeof part === "string" && part !== "");
      const provider = typeof committer?.provider === "string" ? ` (${committer.provider})` : "";
      return `${typeof name === "string" ? name : "?"}${provider}`;
    })
    .join(", ");
}

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
      const shown = field === "allowedNetworks" ? showNetworks : field === "committers" ? showCommitters : show;
      lines.push(`${FIELD_LABELS[field] ?? field}: ${shown(change?.before)} → ${shown(change?.after)}`);
    }
  }
  if (typeof metadata.reason === "string") lines.push(metadata.reason);
  if (typeof metadata.incidentId === "string") lines.push(`bulk operation ${metadata.incidentId.slice(0, 8)}`);
  switch (action) {
    case "token.created":
      if (Array.isArray(metadata.scopes)) lines.push(`scopes: ${show(metadata.scopes)}`);
      if (metadata.visibility) lines.push(`visibility: ${show(metadata.visibility)}`);
      if (typeof metadata.quotaMax === "number")
        lines.push(`quota: ${show(metadata.quotaMax)}${metadata.quotaWindow ? ` ${String(metadata.quotaWindow).toLowerCase()}` : ""}`);
      if (metadata.expiresAt) lines.push(`expires: ${show(metadata.expiresAt)}`);
      if (Array.isArray(metadata.allowedNetworks)) lines.push(`allowed networks: ${showNetworks(metadata.allowedNetworks)}`);
      if (Array.isArray(metadata.committers)) lines.push(`committers: ${showCommitters(metadata.committers)}`);
      if (Array.isArray(metadata.serviceScopes)) lines.push(`service scopes: ${show(metadata.serviceScopes)}`);
      break;
    case "service.created":
    case "service.deleted":
      if (typeof metadata.slug === "string") lines.push(`slug: ${metadata.slug}`);
      if (Array.isArray(metadata.scopes)) lines.push(`scopes: ${show(metadata.scopes)}`);
      if (typeof metadata.tokensChanged === "number") lines.push(`scopes taken off ${metadata.tokensChanged} token(s)`);
      break;
    case "service.updated":
      if (Array.isArray(metadata.removedScopes) && metadata.removedScopes.length > 0)
        lines.push(`scopes removed (taken off tokens): ${show(metadata.removedScopes)}`);
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
    case "service.key_leak_reported":
      if (typeof metadata.handling === "string") lines.push(`handled: ${metadata.handling}`);
      if (typeof metadata.url === "string") lines.push(`found at ${metadata.url}`);
      break;
    case "webhook.created":
    case "webhook.deleted":
      if (typeof metadata.url === "string") lines.push(`URL: ${metadata.url}`);
      if (Array.isArray(metadata.events)) lines.push(`events: ${show(metadata.events)}`);
      break;
    case "webhook.auto_paused":
      if (typeof metadata.lastError === "string") lines.push(`last error: ${metadata.lastError}`);
      break;
    case "audit.exported": {
      const filters = Object.entries((metadata.filters ?? {}) as Record<string, unknown>);
      lines.push(filters.length ? `filters: ${filters.map(([name, value]) => `${name} ${String(value)}`).join(", ")}` : "every event");
      break;
    }
    case "token.revealed":
      if (typeof metadata.lastFour === "string") lines.push(`value ending …${metadata.lastFour}`);
      break;
  }
  return lines;
}
