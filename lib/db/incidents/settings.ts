import { recordAudit } from "../audit";
import { asAdmin, auditActorOf, type UserActor } from "./shared";

// Org incident settings and leak-report flags.

export type IncidentSettings = { leakedTokenPolicy: "DISABLE" | "FLAG"; maxTokenLifetimeDays: number | null };

export async function updateIncidentSettings(actor: UserActor, orgId: string, settings: IncidentSettings): Promise<void> {
  await asAdmin(actor, orgId, async (tx) => {
    const before = await tx.org.findUniqueOrThrow({
      where: { id: orgId },
      select: { leakedTokenPolicy: true, maxTokenLifetimeDays: true },
    });
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    if (before.leakedTokenPolicy !== settings.leakedTokenPolicy) {
      changes.leakedTokenPolicy = { before: before.leakedTokenPolicy, after: settings.leakedTokenPolicy };
    }
    if (before.maxTokenLifetimeDays !== settings.maxTokenLifetimeDays) {
      changes.maxTokenLifetimeDays = { before: before.maxTokenLifetimeDays, after: settings.maxTokenLifetimeDays };
    }
    if (Object.keys(changes).length === 0) return;
    await tx.org.update({ where: { id: orgId }, data: settings });
    await recordAudit(tx, {
      orgId,
      actor: auditActorOf(actor),
      action: "org.incident_settings_updated",
      target: { type: "org", id: orgId },
      metadata: { changes },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
  });
}

/** Clears a token's leak-report flag (the banner goes away); the report stays in the audit log. */
export async function dismissLeakReport(actor: UserActor, orgId: string, tokenId: string): Promise<boolean> {
  return asAdmin(actor, orgId, async (tx) => {
    const token = await tx.apiToken.findFirst({
      where: { id: tokenId, orgId, leakReportedAt: { not: null } },
      select: { leakReportedAt: true },
    });
    if (!token) return false;
    await tx.apiToken.updateMany({ where: { id: tokenId, orgId }, data: { leakReportedAt: null, leakReportSource: null } });
    await recordAudit(tx, {
      orgId,
      actor: auditActorOf(actor),
      action: "token.leak_report_dismissed",
      target: { type: "token", id: tokenId },
      metadata: { reportedAt: token.leakReportedAt?.toISOString() },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
    return true;
  });
}
