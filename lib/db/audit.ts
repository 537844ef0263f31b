import type { Db } from "./client";
import { enqueueForAudit } from "./webhooks/outbox";

/** Anything that can write: the client itself or an interactive transaction. */
export type AuditWriter = Pick<Db, "auditEvent" | "webhook" | "webhookDelivery" | "org">;

export type AuditActor =
  { type: "user"; userId: string; label: string } | { type: "token"; tokenId: string; label: string } | { type: "system"; label: string };

export type AuditEntry = {
  orgId: string;
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string };
  metadata?: Record<string, unknown>;
  ip?: string | null;
  userAgent?: string | null;
};

export type AuditRow = ReturnType<typeof auditRow> & { at?: Date };

/** Appends to the audit log; call it inside the transaction of the change it records. */
export async function recordAudit(writer: AuditWriter, entry: AuditEntry): Promise<AuditPosition> {
  return createAuditEvent(writer, { data: auditRow(entry) });
}

/** Where an event sits in the log's order (newest first by time, then id). */
export type AuditPosition = { at: Date; id: string };

/**
 * The one place audit rows are written. Its webhook events (lib/domain/webhooks/events.ts) are
 * enqueued in the same transaction: sent only if the change commits, never lost if it does.
 */
export async function createAuditEvent(writer: AuditWriter, { data }: { data: AuditRow }): Promise<AuditPosition> {
  const created = await writer.auditEvent.create({ data, select: { id: true, at: true } });
  await enqueueForAudit(writer, { ...data, id: created.id, at: created.at });
  return created;
}

export function auditRow(entry: AuditEntry) {
  return {
    orgId: entry.orgId,
    actorUserId: entry.actor.type === "user" ? entry.actor.userId : null,
    actorTokenId: entry.actor.type === "token" ? entry.actor.tokenId : null,
    actorLabel: entry.actor.label,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    metadata: JSON.stringify(entry.metadata ?? {}),
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
  };
}

/** An audit event's metadata as written by createAuditEvent (a JSON object); anything else reads as none. */
export function readAuditMetadata(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
