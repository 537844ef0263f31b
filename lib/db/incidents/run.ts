import { isStalled, LEASE_MS, stalledWhere } from "../../domain/incidents/policy";
import { can } from "../../domain/members/policy";
import { logger } from "../../logger";
import type { IncidentAction } from "../../validations/incident";
import { recordAudit } from "../audit";
import { db } from "../client";
import { currentRole } from "../org-lock";
import {
  endGracePeriod,
  isTokenConflict,
  revokeToken,
  rotateToken,
  setTokenEnabled,
  updateToken,
  type MutationHooks,
  type Tx,
} from "../token-mutations";
import { asAdmin, auditActorOf, IncidentError, type UserActor } from "./shared";

// Running a bulk operation: batches under a lease, resuming stalled runs, ending grace afterwards.

export type RunOptions = {
  /** Items per batch; the lease is renewed between batches. */
  batchSize?: number;
  /** How long a runner's claim lasts without renewal; after that (a killed process) anyone may resume. */
  leaseMs?: number;
  /** Called after each batch, e.g. for a CLI's progress line. */
  onProgress?: (progress: IncidentProgress) => void;
  /** Called once this runner holds the lease, before any token is touched (e.g. to record who resumed it). */
  onClaimed?: () => Promise<void>;
};

export type IncidentProgress = { total: number; done: number; skipped: number; pending: number };

export type RunResult =
  | { outcome: "completed"; progress: IncidentProgress }
  /** Another runner holds the lease (or the incident is finished): nothing was done. */
  | { outcome: "busy" }
  /** This runner's lease lapsed and another runner took over; it stopped after its batch. */
  | { outcome: "lost-lease" };

/** A runner renews its claim while it works (lib/domain/incidents/policy.ts decides when a run has stalled). */
export const DEFAULT_LEASE_MS = LEASE_MS;
const DEFAULT_BATCH_SIZE = 25;
/** A token changed by someone else between our read and write is re-read and tried again this often. */
const CONFLICT_ATTEMPTS = 5;

const NO_CHANGE_NOTES: Record<IncidentAction, string> = {
  ROTATE: "Not rotated.",
  DISABLE: "Already disabled.",
  MAKE_ADMIN_ONLY: "Already admin-only.",
  REVOKE: "Already revoked.",
};

/** The item was settled by another runner inside our transaction: roll our change back. */
class ItemAlreadySettled extends Error {}

/**
 * Applies an incident's pending items, in batches, under a lease. Each token's change, its item's
 * DONE mark and the token's audit event (carrying the incident id) commit in one transaction, and
 * the mark is guarded (PENDING → DONE), so a rerun — after a crash, or racing another runner —
 * skips what is done and never changes a token twice. Tokens that need nothing (already in the
 * wanted state, revoked meanwhile, deleted) are marked SKIPPED with the reason.
 */
export async function runIncident(incidentId: string, actor: UserActor, options: RunOptions = {}): Promise<RunResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const incident = await db.incident.findUnique({
    where: { id: incidentId },
    select: { id: true, orgId: true, action: true, graceSeconds: true },
  });
  if (!incident) return { outcome: "busy" };
  let lease = new Date(Date.now() + leaseMs);
  const claimed = await asAdmin(actor, incident.orgId, (tx) =>
    tx.incident.updateMany({
      where: { id: incidentId, status: "RUNNING", OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }] },
      data: { leaseUntil: lease },
    }),
  );
  if (claimed.count === 0) return { outcome: "busy" };
  await options.onClaimed?.();

  for (;;) {
    const items = await db.incidentItem.findMany({
      where: { incidentId, state: "PENDING" },
      orderBy: { tokenId: "asc" },
      take: batchSize,
      select: { id: true, tokenId: true },
    });
    if (items.length === 0) break;
    for (const item of items) {
      await applyItem(incident, item, actor);
      // better-sqlite3 answers synchronously, so a loop of transactions would run as one long
      // chain of microtasks and starve timers and incoming requests (the whole server) until the end.
      await new Promise((resolve) => setImmediate(resolve));
    }

    const renewed = new Date(Date.now() + leaseMs);
    const kept = await asAdmin(actor, incident.orgId, (tx) =>
      tx.incident.updateMany({ where: { id: incidentId, leaseUntil: lease }, data: { leaseUntil: renewed } }),
    );
    if (kept.count === 0) return { outcome: "lost-lease" };
    lease = renewed;
    options.onProgress?.(await incidentProgress(incidentId));
  }

  const progress = await incidentProgress(incidentId);
  await asAdmin(actor, incident.orgId, async (tx) => {
    const finished = await tx.incident.updateMany({
      where: { id: incidentId, status: "RUNNING", leaseUntil: lease },
      data: { status: "COMPLETED", finishedAt: new Date(), leaseUntil: null },
    });
    if (finished.count === 0) return;
    await recordAudit(tx, {
      orgId: incident.orgId,
      actor: auditActorOf(actor),
      action: "incident.completed",
      target: { type: "incident", id: incidentId },
      metadata: { incidentId, action: incident.action, ...progress },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
  });
  options.onProgress?.(progress);
  return { outcome: "completed", progress };
}

type IncidentRow = { id: string; orgId: string; action: IncidentAction; graceSeconds: number };

async function applyItem(incident: IncidentRow, item: { id: string; tokenId: string }, actor: UserActor): Promise<void> {
  let written = false;
  const hooks: MutationHooks = {
    auditMetadata: { incidentId: incident.id },
    inTransaction: async (tx, change) => {
      const marked = await tx.incidentItem.updateMany({
        where: { id: item.id, state: "PENDING" },
        data: { state: "DONE", doneAt: new Date(), newValueId: change.newValueId ?? null },
      });
      if (marked.count !== 1) throw new ItemAlreadySettled();
      written = true;
    },
  };
  const { orgId, tokenId } = { orgId: incident.orgId, tokenId: item.tokenId };
  for (let attempt = 1; ; attempt++) {
    try {
      let result: unknown;
      switch (incident.action) {
        case "ROTATE":
          result = await rotateToken(actor, orgId, tokenId, { graceSeconds: incident.graceSeconds, ...hooks });
          break;
        case "DISABLE":
          result = await setTokenEnabled(actor, orgId, tokenId, false, hooks);
          break;
        case "MAKE_ADMIN_ONLY":
          result = await updateToken(actor, orgId, tokenId, { visibility: "ADMIN_ONLY" }, hooks);
          break;
        case "REVOKE":
          result = await revokeToken(actor, orgId, tokenId, hooks);
          break;
      }
      if (!written)
        await skipItem(incident, item.id, actor, result === null ? "The token no longer exists." : NO_CHANGE_NOTES[incident.action]);
      return;
    } catch (error) {
      if (error instanceof ItemAlreadySettled) return;
      if (isTokenConflict(error) && error.reason === "revoked") return skipItem(incident, item.id, actor, "The token was revoked.");
      // Someone changed the token between our read and our write: read it again.
      if (isTokenConflict(error) && attempt < CONFLICT_ATTEMPTS) continue;
      throw error;
    }
  }
}

async function skipItem(incident: IncidentRow, itemId: string, actor: UserActor, note: string): Promise<void> {
  await asAdmin(actor, incident.orgId, (tx) =>
    tx.incidentItem.updateMany({ where: { id: itemId, state: "PENDING" }, data: { state: "SKIPPED", note, doneAt: new Date() } }),
  );
}

export async function incidentProgress(incidentId: string, reader: Pick<Tx, "incidentItem"> = db): Promise<IncidentProgress> {
  const groups = await reader.incidentItem.groupBy({ by: ["state"], where: { incidentId }, _count: { _all: true } });
  const count = (state: string) => groups.find((group) => group.state === state)?._count._all ?? 0;
  const done = count("DONE");
  const skipped = count("SKIPPED");
  const pending = count("PENDING");
  return { total: done + skipped + pending, done, skipped, pending };
}

/**
 * Finishes incidents whose runner died (a crash or restart let their lease lapse), as the admin
 * who started them: each token's change re-checks that they are still an admin, and one whose
 * starter is no longer an admin waits for another admin to resume it. Safe with several server
 * processes: only the one that claims the lease runs an incident, and only it records the resume.
 */
export async function resumeStalledIncidents(
  now = new Date(),
): Promise<{ incidentId: string; result: RunResult | { outcome: "failed"; error: unknown } }[]> {
  const stalled = await db.incident.findMany({
    // One never claimed is left to the server that created it (it claims at once) for a lease's
    // length: a sweep of another server in between would take it over as if after a restart.
    where: { ...stalledWhere(now), createdById: { not: null } },
    orderBy: { createdAt: "asc" },
    select: { id: true, orgId: true, createdById: true, createdByLabel: true },
  });
  const results: { incidentId: string; result: RunResult | { outcome: "failed"; error: unknown } }[] = [];
  for (const incident of stalled) {
    const userId = incident.createdById!;
    const role = await currentRole(incident.orgId, userId);
    if (role === null || !can(role, "incidents:manage")) continue;
    const actor: UserActor = { kind: "user", userId, label: incident.createdByLabel, ip: null, userAgent: null };
    const result = await runIncident(incident.id, actor, {
      onClaimed: async () => {
        await recordAudit(db, {
          orgId: incident.orgId,
          actor: { type: "system", label: "Keyward, after a restart" },
          action: "incident.resumed",
          target: { type: "incident", id: incident.id },
          metadata: { incidentId: incident.id, automatic: true, ...(await incidentProgress(incident.id)) },
          ip: null,
          userAgent: null,
        });
      },
    }).catch((error: unknown) => ({ outcome: "failed" as const, error }));
    results.push({ incidentId: incident.id, result });
  }
  return results;
}

/**
 * Continues an incident whose runner stopped (crash, restart): records who resumed it, then runs
 * it in the background of this process. Refused while another runner holds the lease.
 */
export async function resumeIncident(actor: UserActor, orgId: string, incidentId: string): Promise<void> {
  await asAdmin(actor, orgId, async (tx) => {
    const incident = await tx.incident.findFirst({
      where: { id: incidentId, orgId },
      select: { status: true, leaseUntil: true, createdAt: true },
    });
    if (!incident) throw new IncidentError("NOT_FOUND", "This incident does not exist.");
    if (!isStalled(incident, new Date())) {
      throw new IncidentError(
        "BUSY",
        incident.status === "COMPLETED" ? "This incident is already complete." : "This incident is still running.",
      );
    }
    await recordAudit(tx, {
      orgId,
      actor: auditActorOf(actor),
      action: "incident.resumed",
      target: { type: "incident", id: incidentId },
      metadata: { incidentId, ...(await incidentProgress(incidentId, tx)) },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
  });
  startIncidentRun(incidentId, actor);
}

/**
 * Runs an incident without making the caller wait (the server action answers at once and the
 * page polls the progress). If this process dies midway, the lease lapses and it can be resumed.
 */
export function startIncidentRun(incidentId: string, actor: UserActor): void {
  const run = runIncident(incidentId, actor)
    .catch((error: unknown) => {
      logger.error({ err: error, incidentId }, "bulk operation stopped");
    })
    .finally(() => runsInProgress.delete(run));
  runsInProgress.add(run);
}

const runsInProgress = new Set<Promise<unknown>>();

/** Resolves once the runs this process started in the background have stopped (tests wait on it). */
export async function incidentRunsSettled(): Promise<void> {
  while (runsInProgress.size > 0) await Promise.allSettled([...runsInProgress]);
}

/** Bulk operations still running and the tokens they have yet to change, for GET /metrics. */
export async function bulkRunProgress(): Promise<{ running: number; itemsPending: number }> {
  const [running, itemsPending] = await Promise.all([
    db.incident.count({ where: { status: "RUNNING" } }),
    db.incidentItem.count({ where: { state: "PENDING", incident: { status: "RUNNING" } } }),
  ]);
  return { running, itemsPending };
}

/**
 * "End grace now" for every token a rotation incident rotated: their replaced values stop at
 * once. Each token's change is its own audited transaction carrying the incident id.
 */
export async function endIncidentGrace(actor: UserActor, orgId: string, incidentId: string): Promise<number> {
  if (!(await db.incident.findFirst({ where: { id: incidentId, orgId }, select: { id: true } }))) {
    throw new IncidentError("NOT_FOUND", "This incident does not exist.");
  }
  const items = await db.incidentItem.findMany({ where: { incidentId, state: "DONE" }, select: { tokenId: true } });
  let ended = 0;
  for (const item of items) {
    let changed = false;
    await endGracePeriod(actor, orgId, item.tokenId, {
      auditMetadata: { incidentId },
      inTransaction: async () => {
        changed = true;
      },
    });
    if (changed) ended++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return ended;
}
