import { BlockList } from "node:net";
import { checkTokenFormat, deserializeScopes, hashTokenValue, maskToken, scopeGrants, type Scope } from "../tokens";
import { parseAddressRange, type IncidentAction, type IncidentFilter } from "../validations/incident";
import { recordAudit, type AuditActor } from "./audit";
import { db } from "./client";
import { logger } from "../logger";
import { can, rolesWith } from "../domain/members/policy";
import { inPermittedTransaction, roleInTransaction } from "./org-lock";
import type { Prisma } from "./generated/sqlite/client";
import {
  endGracePeriod,
  isTokenConflict,
  revokeToken,
  rotateToken,
  setTokenEnabled,
  updateToken,
  type MutationHooks,
  type TokenActor,
  type Tx,
} from "./token-mutations";
import { displayStatus, type TokenDisplayStatus, type TokenVisibility } from "./token-dto";

// Incident response: bulk operations over many tokens, "which token is this?" lookups, leak-report
// flags and org settings. Token changes go through lib/db/token-mutations.ts (the one
// implementation); this module decides which tokens, records progress, and makes each token's
// change, its IncidentItem mark and its audit event (with the incident id) one transaction.
// No "server-only": a bulk run can also be driven from a plain Node process (tests, scripts).

export type UserActor = Extract<TokenActor, { kind: "user" }>;

/**
 * Every write here is made for someone who may manage incidents: in a transaction that first
 * re-checks, under the org's membership lock, that they still may, so an admin removed or demoted
 * while a request (or a bulk run) is under way cannot finish it (RoleChangedError).
 */
function asAdmin<T>(actor: UserActor, orgId: string, write: (tx: Tx) => Promise<T>, options?: { maxWait?: number; timeout?: number }): Promise<T> {
  return inPermittedTransaction(actor, orgId, "incidents:manage", write, options);
}

// ---------------------------------------------------------------------------------------
// Choosing tokens

/** A token as the preview lists it: settings and state, never a value or hash. */
export type IncidentCandidate = {
  id: string;
  name: string;
  maskedValue: string;
  scopes: Scope[];
  visibility: TokenVisibility;
  status: TokenDisplayStatus;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
};

/**
 * Every token of the org matching the filter, newest first. Revoked tokens never match (there is
 * nothing left to do to them). Scope and address criteria are checked here rather than in SQL:
 * a parent scope grants its children, and address ranges need real CIDR matching.
 */
export async function selectIncidentTokens(orgId: string, filter: IncidentFilter, now = new Date()): Promise<IncidentCandidate[]> {
  const where: Prisma.ApiTokenWhereInput = {
    orgId,
    status: filter.status ?? { in: ["ACTIVE", "DISABLED"] },
    ...(filter.visibility ? { visibility: filter.visibility } : {}),
    ...(filter.createdBy ? { createdById: filter.createdBy } : {}),
    ...(filter.createdBefore ? { createdAt: { lt: filter.createdBefore } } : {}),
    ...(filter.notUsedSince ? { OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: filter.notUsedSince } }] } : {}),
    ...(filter.tokenIds.length > 0 ? { id: { in: filter.tokenIds } } : {}),
  };
  const rows = await db.apiToken.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: {
      id: true,
      name: true,
      lastFour: true,
      scopes: true,
      visibility: true,
      status: true,
      expiresAt: true,
      createdAt: true,
      lastUsedAt: true,
      lastUsedIp: true,
      createdBy: { select: { email: true } },
    },
  });
  const usedFrom = filter.usedFrom ? await tokensUsedFrom(orgId, filter.usedFrom) : null;
  const candidates: IncidentCandidate[] = [];
  for (const row of rows) {
    const scopes = deserializeScopes(row.scopes);
    if (filter.scope && !scopeGrants(scopes, filter.scope)) continue;
    if (usedFrom && !usedFrom.has(row.id)) continue;
    candidates.push({
      id: row.id,
      name: row.name,
      maskedValue: maskToken(row.lastFour),
      scopes,
      visibility: row.visibility,
      status: displayStatus(row, now),
      createdAt: row.createdAt,
      createdBy: row.createdBy?.email ?? null,
      lastUsedAt: row.lastUsedAt,
      lastUsedIp: row.lastUsedIp,
    });
  }
  return candidates;
}

/** Ids of the org's tokens with any recorded request from an address in the range (or last used from it). */
async function tokensUsedFrom(orgId: string, rangeText: string): Promise<Set<string>> {
  const range = parseAddressRange(rangeText);
  const matched = new Set<string>();
  if (!range) return matched;
  const list = new BlockList();
  list.addSubnet(range.address, range.prefix, range.family);
  const inRange = (ip: string | null) => {
    if (!ip) return false;
    try {
      return list.check(ip, ip.includes(":") ? "ipv6" : "ipv4");
    } catch {
      return false; // not an address (e.g. "unknown")
    }
  };
  const pairs = await db.usageEvent.groupBy({ by: ["tokenId", "ip"], where: { orgId, ip: { not: null } } });
  for (const pair of pairs) if (inRange(pair.ip)) matched.add(pair.tokenId);
  const lastUsed = await db.apiToken.findMany({ where: { orgId, lastUsedIp: { not: null } }, select: { id: true, lastUsedIp: true } });
  for (const token of lastUsed) if (inRange(token.lastUsedIp)) matched.add(token.id);
  return matched;
}

// ---------------------------------------------------------------------------------------
// Bulk operations

export type IncidentErrorCode = "EMPTY" | "SELECTION_CHANGED" | "NOT_FOUND" | "BUSY";

/** A bulk operation that cannot start (or resume) as asked; the message is for the admin. */
export class IncidentError extends Error {
  override name = "IncidentError";
  constructor(
    readonly code: IncidentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type NewIncident = {
  action: IncidentAction;
  graceSeconds: number;
  filter: IncidentFilter;
  /** The count the admin confirmed; a different count now means the selection changed. */
  expectedCount: number;
};

/**
 * Records a bulk operation and the tokens it covers (chosen now, once, so that a resumed run
 * works on exactly this set). Nothing is changed yet: `runIncident` applies it.
 */
export async function createIncident(actor: UserActor, orgId: string, input: NewIncident): Promise<{ incidentId: string; total: number }> {
  const tokens = await selectIncidentTokens(orgId, input.filter);
  if (tokens.length === 0) throw new IncidentError("EMPTY", "No tokens match this selection.");
  if (tokens.length !== input.expectedCount) {
    throw new IncidentError(
      "SELECTION_CHANGED",
      `The selection changed since the preview: ${tokens.length} tokens match now, not ${input.expectedCount}. Review the list and confirm again.`,
    );
  }
  const filter = serializeFilter(input.filter);
  return asAdmin(
    actor,
    orgId,
    async (tx) => {
      const incident = await tx.incident.create({
        data: {
          orgId,
          createdById: actor.userId,
          createdByLabel: actor.label,
          action: input.action,
          graceSeconds: input.action === "ROTATE" ? input.graceSeconds : 0,
          filter: JSON.stringify(filter),
          total: tokens.length,
        },
        select: { id: true },
      });
      await tx.incidentItem.createMany({ data: tokens.map((token) => ({ incidentId: incident.id, tokenId: token.id })) });
      await recordAudit(tx, {
        orgId,
        actor: auditActorOf(actor),
        action: "incident.created",
        target: { type: "incident", id: incident.id },
        metadata: { incidentId: incident.id, action: input.action, graceSeconds: input.graceSeconds, total: tokens.length, filter },
        ip: actor.ip,
        userAgent: actor.userAgent,
      });
      return { incidentId: incident.id, total: tokens.length };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

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

export const DEFAULT_LEASE_MS = 15_000;
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
      if (!written) await skipItem(incident, item.id, actor, result === null ? "The token no longer exists." : NO_CHANGE_NOTES[incident.action]);
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

/** Whether nobody is working on this running incident (its runner's lease lapsed): it can be resumed. */
export function isStalled(incident: { status: string; leaseUntil: Date | null }, now = new Date()): boolean {
  return incident.status === "RUNNING" && (incident.leaseUntil === null || incident.leaseUntil < now);
}

/**
 * Finishes incidents whose runner died (a crash or restart let their lease lapse), as the admin
 * who started them: each token's change re-checks that they are still an admin, and one whose
 * starter is no longer an admin waits for another admin to resume it. Safe with several server
 * processes: only the one that claims the lease runs an incident, and only it records the resume.
 */
export async function resumeStalledIncidents(now = new Date()): Promise<{ incidentId: string; result: RunResult | { outcome: "failed"; error: unknown } }[]> {
  const stalled = await db.incident.findMany({
    where: { status: "RUNNING", createdById: { not: null }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
    orderBy: { createdAt: "asc" },
    select: { id: true, orgId: true, createdById: true, createdByLabel: true },
  });
  const results: { incidentId: string; result: RunResult | { outcome: "failed"; error: unknown } }[] = [];
  for (const incident of stalled) {
    const userId = incident.createdById!;
    const role = await roleInTransaction(db, incident.orgId, userId);
    if (role === null || !can(role, "incidents:manage")) continue;
    const actor: UserActor = { kind: "user", userId, label: incident.createdByLabel, ip: null, userAgent: null };
    const result = await runIncident(incident.id, actor, {
      onClaimed: async () =>
        recordAudit(db, {
          orgId: incident.orgId,
          actor: { type: "system", label: "Keyward, after a restart" },
          action: "incident.resumed",
          target: { type: "incident", id: incident.id },
          metadata: { incidentId: incident.id, automatic: true, ...(await incidentProgress(incident.id)) },
          ip: null,
          userAgent: null,
        }),
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
    const incident = await tx.incident.findFirst({ where: { id: incidentId, orgId }, select: { status: true, leaseUntil: true } });
    if (!incident) throw new IncidentError("NOT_FOUND", "This incident does not exist.");
    if (!isStalled(incident)) {
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
  void runIncident(incidentId, actor).catch((error: unknown) => {
    logger.error({ err: error, incidentId }, "bulk operation stopped");
  });
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

function serializeFilter(filter: IncidentFilter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  }
  return out;
}

function auditActorOf(actor: TokenActor): AuditActor {
  if (actor.kind === "user") return { type: "user", userId: actor.userId, label: actor.label };
  if (actor.kind === "token") return { type: "token", tokenId: actor.tokenId, label: actor.label };
  return { type: "system", label: actor.label };
}

// ---------------------------------------------------------------------------------------
// "Which token is this?"

export type LookupMatch = {
  /** What was pasted, masked: "kw_…abcd". */
  candidate: string;
  found: true;
  org: { slug: string; name: string };
  token: {
    id: string;
    name: string;
    scopes: Scope[];
    visibility: TokenVisibility;
    status: TokenDisplayStatus;
    createdAt: Date;
    expiresAt: Date | null;
    lastUsedAt: Date | null;
    lastUsedIp: string | null;
    leakReportedAt: Date | null;
  };
  /** Which of the token's values this is: the current one, a replaced one still in grace, or a dead one. */
  value: { state: "current" | "grace" | "ended"; validUntil: Date | null; createdAt: Date };
  /** Who has revealed (copied) the token's value, from the audit log. */
  revealedBy: { label: string; times: number; lastAt: Date }[];
};

export type LookupResult =
  | LookupMatch
  | { candidate: string; found: false; reason: "not-found" }
  /** Looks like a Keyward token but fails the checksum: a typo or a truncated copy. */
  | { candidate: string; found: false; reason: "checksum" };

/** At most this many tokens are looked up from one paste. */
export const MAX_LOOKUP_CANDIDATES = 20;
const TOKEN_LIKE = /\bkw_[0-9A-Za-z]{8,64}\b/g;

/**
 * Finds the tokens in pasted text (checksum first: typos are rejected without a database hit),
 * then looks each up by hash in the orgs where the user is an admin — a token of any other org is
 * "not found", the same as no token. Every lookup is audited: a match in its own org, a miss in
 * the org the lookup was made from.
 */
export async function lookupTokens(actor: UserActor, fromOrgId: string, text: string, now = new Date()): Promise<LookupResult[]> {
  const seen = new Set<string>();
  const checked: { value: string; ok: boolean }[] = [];
  for (const match of text.matchAll(TOKEN_LIKE)) {
    if (seen.has(match[0])) continue;
    seen.add(match[0]);
    checked.push({ value: match[0], ok: checkTokenFormat(match[0]).ok });
    if (checked.length >= MAX_LOOKUP_CANDIDATES) break;
  }
  // Each lookup is audited, so the lookups are a write: made while the caller is still an admin.
  return asAdmin(
    actor,
    fromOrgId,
    async (tx) => {
      const results: LookupResult[] = [];
      for (const { value, ok } of checked) {
        const candidate = maskToken(value.slice(-4));
        if (!ok) {
          results.push({ candidate, found: false, reason: "checksum" });
          continue;
        }
        const row = await tx.apiTokenValue.findFirst({
          where: { hash: hashTokenValue(value), token: { org: { memberships: { some: { userId: actor.userId, role: { in: rolesWith("incidents:manage") } } } } } },
          select: {
            id: true,
            orgId: true,
            validUntil: true,
            createdAt: true,
            token: {
              select: {
                id: true,
                name: true,
                scopes: true,
                visibility: true,
                status: true,
                createdAt: true,
                expiresAt: true,
                lastUsedAt: true,
                lastUsedIp: true,
                leakReportedAt: true,
                org: { select: { slug: true, name: true } },
              },
            },
          },
        });
        if (!row) {
          await recordAudit(tx, {
            orgId: fromOrgId,
            actor: auditActorOf(actor),
            action: "token.lookup",
            metadata: { found: false, lastFour: value.slice(-4) },
            ip: actor.ip,
            userAgent: actor.userAgent,
          });
          results.push({ candidate, found: false, reason: "not-found" });
          continue;
        }
        const valueState = row.validUntil === null ? "current" : row.validUntil > now ? "grace" : "ended";
        await recordAudit(tx, {
          orgId: row.orgId,
          actor: auditActorOf(actor),
          action: "token.lookup",
          target: { type: "token", id: row.token.id },
          metadata: { found: true, lastFour: value.slice(-4), valueId: row.id, valueState },
          ip: actor.ip,
          userAgent: actor.userAgent,
        });
        const reveals = await tx.auditEvent.groupBy({
          by: ["actorLabel"],
          where: { orgId: row.orgId, targetId: row.token.id, action: "token.revealed" },
          _count: { _all: true },
          _max: { at: true },
          orderBy: { _max: { at: "desc" } },
          take: 20,
        });
        const { org, scopes, ...token } = row.token;
        results.push({
          candidate,
          found: true,
          org,
          token: { ...token, scopes: deserializeScopes(scopes), status: displayStatus(token, now) },
          value: { state: valueState, validUntil: row.validUntil, createdAt: row.createdAt },
          revealedBy: reveals.map((r) => ({ label: r.actorLabel, times: r._count._all, lastAt: r._max.at! })),
        });
      }
      return results;
    },
    { maxWait: 10_000, timeout: 15_000 },
  );
}

// ---------------------------------------------------------------------------------------
// Org settings and leak-report flags

export type IncidentSettings = { leakedTokenPolicy: "DISABLE" | "FLAG"; maxTokenLifetimeDays: number | null };

export async function updateIncidentSettings(actor: UserActor, orgId: string, settings: IncidentSettings): Promise<void> {
  await asAdmin(actor, orgId, async (tx) => {
    const before = await tx.org.findUniqueOrThrow({ where: { id: orgId }, select: { leakedTokenPolicy: true, maxTokenLifetimeDays: true } });
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
    const token = await tx.apiToken.findFirst({ where: { id: tokenId, orgId, leakReportedAt: { not: null } }, select: { leakReportedAt: true } });
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
