import type { Db } from "./client";

/** Anything that can write: the client itself or an interactive transaction. */
type Writer = Pick<Db, "auditEvent">;

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

/** Appends to the audit log; call it inside the transaction of the change it records. */
export async function recordAudit(writer: Writer, entry: AuditEntry): Promise<AuditPosition> {
  return writer.auditEvent.create({ data: auditRow(entry), select: { at: true, id: true } });
}

/** Where an event sits in the log's order (newest first by time, then id). */
export type AuditPosition = { at: Date; id: string };

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
