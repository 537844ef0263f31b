// Keyward's webhook events: the catalogue a webhook subscribes to, and the one table that says
// which audit action becomes which event. The audit writer (lib/db/audit.ts) enqueues through this
// table, so an event is sent exactly when its change committed.

export const WEBHOOK_EVENTS = {
  "token.created": "An API token was created",
  "token.updated": "A token's name, scopes, quota, visibility, networks or expiry changed",
  "token.rotated": "A token's value was replaced",
  "token.disabled": "A token was disabled",
  "token.revoked": "A token was revoked",
  "token.expired": "A token reached its expiry time",
  "token.quota_exhausted": "A token's call was refused because its quota for the window is spent (once per window)",
  "token.leak_reported": "A leaked-token report was received for one of the organization's tokens",
  "service.key_leak_reported": "A leak report was received for a service's verification key (revoked or marked, by the leak policy)",
  "member.added": "Someone joined the organization",
  "member.removed": "A member was removed or left",
  "incident.started": "A bulk incident operation was started",
  "incident.finished": "A bulk incident operation finished",
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;

/** Sent only by "Send test event"; never subscribed to, always delivered when asked for. */
export const TEST_EVENT_TYPE = "webhook.test";

export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === "string" && Object.hasOwn(WEBHOOK_EVENTS, value);
}

/** Audit action → webhook event. Actions not listed send nothing. */
export const AUDIT_ACTION_EVENTS: Readonly<Record<string, WebhookEventType>> = {
  "token.created": "token.created",
  "token.updated": "token.updated",
  "token.rotated": "token.rotated",
  "token.disabled": "token.disabled",
  "token.revoked": "token.revoked",
  "token.leak_reported": "token.leak_reported",
  "service.key_leak_reported": "service.key_leak_reported",
  "member.joined": "member.added",
  "member.removed": "member.removed",
  "member.left": "member.removed",
  "incident.created": "incident.started",
  "incident.completed": "incident.finished",
};

export function webhookEventForAudit(action: string): WebhookEventType | null {
  return Object.hasOwn(AUDIT_ACTION_EVENTS, action) ? AUDIT_ACTION_EVENTS[action]! : null;
}

/** Stored space-separated; unknown names (an event type removed later) are dropped. */
export function serializeEvents(events: readonly WebhookEventType[]): string {
  return WEBHOOK_EVENT_TYPES.filter((type) => events.includes(type)).join(" ");
}

export function deserializeEvents(stored: string): WebhookEventType[] {
  const names = new Set(stored.split(" "));
  return WEBHOOK_EVENT_TYPES.filter((type) => names.has(type));
}

export function subscribesTo(storedEvents: string, type: WebhookEventType): boolean {
  return storedEvents.split(" ").includes(type);
}
