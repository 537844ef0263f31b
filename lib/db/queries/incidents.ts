import "server-only";

import { isStalled } from "@/lib/domain/incidents/policy";
import { keyReportedLeakedWhere } from "@/lib/domain/services/key-leaks";
import { showInvisible } from "@/lib/format/visible-text";
import { maskToken } from "@/lib/tokens";
import type { IncidentAction } from "@/lib/validations/incident";

import { readAuditMetadata } from "../audit";
import { db } from "../client";
import { incidentProgress, type IncidentProgress } from "../incidents";
import { displayStatus, type TokenDisplayStatus } from "../token-dto";
import { refusedCallsOfValue } from "./refused-calls";

// The preview of a bulk operation reads through the same selection its creation uses.
export { selectIncidentTokens, type IncidentCandidate } from "../incidents";

// Read side of incident response, for the incidents pages and the admins' banner. DTOs only:
// never a token value or a full hash.

export const EXPIRY_WARNING_DAYS = 7;
export const GRACE_PAGE_SIZE = 50;
export const INCIDENT_ITEMS_PAGE_SIZE = 100;
const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;

export type IncidentSummary = {
  id: string;
  action: IncidentAction;
  status: "RUNNING" | "COMPLETED";
  /** Running, but no runner holds it (its process stopped): it can be resumed. */
  stalled: boolean;
  graceSeconds: number;
  createdAt: Date;
  finishedAt: Date | null;
  createdBy: string;
  filter: Record<string, unknown>;
  progress: IncidentProgress;
};

const summarySelect = {
  id: true,
  action: true,
  status: true,
  graceSeconds: true,
  createdAt: true,
  finishedAt: true,
  createdByLabel: true,
  filter: true,
  leaseUntil: true,
  total: true,
} as const;

type SummaryRow = {
  id: string;
  action: IncidentAction;
  status: "RUNNING" | "COMPLETED";
  graceSeconds: number;
  createdAt: Date;
  finishedAt: Date | null;
  createdByLabel: string;
  filter: string;
  leaseUntil: Date | null;
};

function toSummary(row: SummaryRow, progress: IncidentProgress, now: Date): IncidentSummary {
  return {
    id: row.id,
    action: row.action,
    status: row.status,
    stalled: isStalled(row, now),
    graceSeconds: row.graceSeconds,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    createdBy: row.createdByLabel,
    filter: JSON.parse(row.filter) as Record<string, unknown>,
    progress,
  };
}

export async function listIncidents(orgId: string, take = 20, now = new Date()): Promise<IncidentSummary[]> {
  const rows = await db.incident.findMany({ where: { orgId }, orderBy: { createdAt: "desc" }, take, select: summarySelect });
  const groups = rows.length
    ? await db.incidentItem.groupBy({
        by: ["incidentId", "state"],
        where: { incidentId: { in: rows.map((r) => r.id) } },
        _count: { _all: true },
      })
    : [];
  return rows.map((row) => {
    const count = (state: string) => groups.find((g) => g.incidentId === row.id && g.state === state)?._count._all ?? 0;
    const progress = { total: row.total, done: count("DONE"), skipped: count("SKIPPED"), pending: count("PENDING") };
    return toSummary(row, progress, now);
  });
}

export type IncidentItemRow = {
  tokenId: string;
  tokenName: string;
  state: "PENDING" | "DONE" | "SKIPPED";
  note: string | null;
  doneAt: Date | null;
  /** ROTATE: the new value, masked. */
  newValue: string | null;
};

export type IncidentDetail = IncidentSummary & { items: IncidentItemRow[]; itemsPage: number; itemPages: number };

export async function getIncident(orgId: string, incidentId: string, page = 1, now = new Date()): Promise<IncidentDetail | null> {
  const row = await db.incident.findFirst({ where: { id: incidentId, orgId }, select: summarySelect });
  if (!row) return null;
  const progress = await incidentProgress(incidentId);
  const itemPages = Math.max(1, Math.ceil(progress.total / INCIDENT_ITEMS_PAGE_SIZE));
  const itemsPage = Math.min(Math.max(1, page), itemPages);
  const items = await db.incidentItem.findMany({
    where: { incidentId },
    // Finished items first (newest on top), then what is still pending.
    orderBy: [{ doneAt: { sort: "desc", nulls: "last" } }, { tokenId: "asc" }],
    skip: (itemsPage - 1) * INCIDENT_ITEMS_PAGE_SIZE,
    take: INCIDENT_ITEMS_PAGE_SIZE,
    select: { tokenId: true, state: true, note: true, doneAt: true, newValueId: true },
  });
  const tokens = await db.apiToken.findMany({
    where: { orgId, id: { in: items.map((i) => i.tokenId) } },
    select: { id: true, name: true },
  });
  const newValueIds = items.flatMap((i) => (i.newValueId ? [i.newValueId] : []));
  const values = newValueIds.length
    ? await db.apiTokenValue.findMany({ where: { orgId, id: { in: newValueIds } }, select: { id: true, lastFour: true } })
    : [];
  const names = new Map(tokens.map((t) => [t.id, t.name]));
  const lastFours = new Map(values.map((v) => [v.id, v.lastFour]));
  return {
    ...toSummary(row, progress, now),
    itemsPage,
    itemPages,
    items: items.map((item) => ({
      tokenId: item.tokenId,
      tokenName: names.get(item.tokenId) ?? "(deleted token)",
      state: item.state,
      note: item.note,
      doneAt: item.doneAt,
      newValue: item.newValueId && lastFours.has(item.newValueId) ? maskToken(lastFours.get(item.newValueId)!) : null,
    })),
  };
}

/** How many values replaced by this incident's rotations are still inside their grace period. */
export async function countIncidentValuesInGrace(orgId: string, incidentId: string, now = new Date()): Promise<number> {
  const items = await db.incidentItem.findMany({
    where: { incidentId, state: "DONE", incident: { orgId, action: "ROTATE" } },
    select: { tokenId: true },
  });
  if (items.length === 0) return 0;
  return db.apiTokenValue.count({
    where: { orgId, replacedAt: { not: null }, validUntil: { gt: now }, tokenId: { in: items.map((item) => item.tokenId) } },
  });
}

export type IncidentAuditEntry = {
  id: string;
  at: Date;
  action: string;
  actor: string;
  tokenId: string | null;
  tokenName: string | null;
  /** Rotations: the old and new value as last four characters, and a prefix of the new value's hash. */
  lastFourBefore: string | null;
  lastFourAfter: string | null;
  newValueHashPrefix: string | null;
  previousValueValidUntil: string | null;
};

/** The audit events of one incident (every token event carries its id), newest first. */
export async function incidentAuditTrail(orgId: string, incidentId: string, take = 200): Promise<IncidentAuditEntry[]> {
  const incident = await db.incident.findFirst({ where: { id: incidentId, orgId }, select: { createdAt: true } });
  if (!incident) return [];
  const events = await db.auditEvent.findMany({
    where: { orgId, at: { gte: incident.createdAt }, metadata: { contains: `"incidentId":"${incidentId}"` } },
    orderBy: [{ at: "desc" }, { id: "asc" }],
    take,
    select: { id: true, at: true, action: true, actorLabel: true, targetType: true, targetId: true, metadata: true },
  });
  const tokenIds = events.flatMap((e) => (e.targetType === "token" && e.targetId ? [e.targetId] : []));
  const tokens = await db.apiToken.findMany({ where: { orgId, id: { in: tokenIds } }, select: { id: true, name: true } });
  const names = new Map(tokens.map((t) => [t.id, t.name]));
  return events.map((event) => {
    const metadata = readAuditMetadata(event.metadata);
    const lastFour = metadata.lastFour as { before?: string; after?: string } | undefined;
    const newValue = metadata.newValue as { hashPrefix?: string } | undefined;
    const tokenId = event.targetType === "token" ? event.targetId : null;
    return {
      id: event.id,
      at: event.at,
      action: event.action,
      // Typed by people: invisible characters escaped, as in the audit log.
      actor: showInvisible(event.actorLabel),
      tokenId,
      tokenName: tokenId && names.has(tokenId) ? showInvisible(names.get(tokenId)!) : null,
      lastFourBefore: typeof lastFour === "object" ? (lastFour.before ?? null) : null,
      lastFourAfter: typeof lastFour === "object" ? (lastFour.after ?? null) : null,
      newValueHashPrefix: newValue?.hashPrefix ?? null,
      previousValueValidUntil: typeof metadata.previousValueValidUntil === "string" ? metadata.previousValueValidUntil : null,
    };
  });
}

export type GraceTrafficRow = {
  tokenId: string;
  tokenName: string;
  /** The replaced value, masked, and the value that replaced it. */
  oldValue: string;
  currentValue: string;
  replacedAt: Date;
  validUntil: Date;
  /** Requests made with the old value since it was replaced, refused ones (quota, scope) included. */
  requestsSinceRotation: number;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  /** No request with the old value in the last hour: ending the grace period now is unlikely to break anyone. */
  quietForAnHour: boolean;
};

/** Replaced values still inside their grace period, soonest to end first, with the traffic they still get. */
export async function listGraceTraffic(orgId: string, page = 1, now = new Date()): Promise<{ rows: GraceTrafficRow[]; total: number }> {
  const where = { orgId, replacedAt: { not: null }, validUntil: { gt: now }, token: { status: { not: "REVOKED" as const } } };
  const total = await db.apiTokenValue.count({ where });
  const values = await db.apiTokenValue.findMany({
    where,
    orderBy: [{ validUntil: "asc" }, { id: "asc" }],
    skip: (Math.max(1, page) - 1) * GRACE_PAGE_SIZE,
    take: GRACE_PAGE_SIZE,
    select: {
      id: true,
      tokenId: true,
      lastFour: true,
      createdAt: true,
      replacedAt: true,
      validUntil: true,
      token: { select: { name: true, lastFour: true } },
    },
  });
  const rows = await Promise.all(
    values.map(async (value): Promise<GraceTrafficRow> => {
      const replacedAt = value.replacedAt!;
      // Refused calls are counters, not rows (lib/domain/usage/refusals.ts): a client refused for its
      // quota is still using the old value.
      const [logged, lastLogged, refused] = await Promise.all([
        // Through the token's (tokenId, at) index (UsageEvent has none by value): the rows since the
        // rotation (a grace period is at most a week) and, for the last use, since the value was made.
        db.usageEvent.count({ where: { tokenId: value.tokenId, valueId: value.id, at: { gte: replacedAt } } }),
        db.usageEvent.findFirst({
          where: { tokenId: value.tokenId, valueId: value.id, at: { gte: value.createdAt } },
          orderBy: { at: "desc" },
          select: { at: true, ip: true },
        }),
        refusedCallsOfValue(value.id, replacedAt),
      ]);
      const requestsSinceRotation = logged + refused.count;
      const last = refused.last && (!lastLogged || refused.last.at > lastLogged.at) ? refused.last : lastLogged;
      return {
        tokenId: value.tokenId,
        tokenName: value.token.name,
        oldValue: maskToken(value.lastFour),
        currentValue: maskToken(value.token.lastFour),
        replacedAt,
        validUntil: value.validUntil!,
        requestsSinceRotation,
        lastUsedAt: last?.at ?? null,
        lastUsedIp: last?.ip ?? null,
        quietForAnHour: !last || last.at.getTime() < now.getTime() - HOUR_MS,
      };
    }),
  );
  return { rows, total };
}

export type AttentionToken = {
  id: string;
  name: string;
  maskedValue: string;
  status: TokenDisplayStatus;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  leakReportedAt: Date | null;
  leakReportSource: string | null;
};

const attentionSelect = {
  id: true,
  name: true,
  lastFour: true,
  status: true,
  expiresAt: true,
  lastUsedAt: true,
  leakReportedAt: true,
  leakReportSource: true,
} as const;

function toAttention(
  row: {
    id: string;
    name: string;
    lastFour: string;
    status: "ACTIVE" | "DISABLED" | "REVOKED";
    expiresAt: Date | null;
    lastUsedAt: Date | null;
    leakReportedAt: Date | null;
    leakReportSource: string | null;
  },
  now: Date,
): AttentionToken {
  const { lastFour, ...rest } = row;
  return { ...rest, maskedValue: maskToken(lastFour), status: displayStatus(row, now) };
}

function expiringWhere(orgId: string, now: Date) {
  return { orgId, status: "ACTIVE" as const, expiresAt: { gt: now, lte: new Date(now.getTime() + EXPIRY_WARNING_DAYS * DAY_MS) } };
}

/** A leak report stays open until the token is rotated or revoked after it, or an admin dismisses it. */
async function openLeakReports(orgId: string) {
  const rows = await db.apiToken.findMany({
    where: { orgId, leakReportedAt: { not: null }, status: { not: "REVOKED" } },
    orderBy: { leakReportedAt: "desc" },
    select: { ...attentionSelect, rotatedAt: true },
  });
  return rows.filter((row) => !row.rotatedAt || row.rotatedAt < row.leakReportedAt!);
}

/** Active tokens that stop working within the next 7 days, soonest first. */
export async function listExpiringTokens(orgId: string, now = new Date(), take = 200): Promise<AttentionToken[]> {
  const rows = await db.apiToken.findMany({
    where: expiringWhere(orgId, now),
    orderBy: { expiresAt: "asc" },
    take,
    select: attentionSelect,
  });
  return rows.map((row) => toAttention(row, now));
}

export async function listLeakReportedTokens(orgId: string, now = new Date()): Promise<AttentionToken[]> {
  return (await openLeakReports(orgId)).map(({ rotatedAt: _rotatedAt, ...row }) => toAttention(row, now));
}

/** What the admins' banner on every org page says. */
export async function adminAlerts(
  orgId: string,
  now = new Date(),
): Promise<{ leaked: number; expiring: number; leakedServiceKeys: number }> {
  const [leaked, expiring, leakedServiceKeys] = await Promise.all([
    openLeakReports(orgId),
    db.apiToken.count({ where: expiringWhere(orgId, now) }),
    db.service.count({ where: { orgId, ...keyReportedLeakedWhere } }),
  ]);
  return { leaked: leaked.length, expiring, leakedServiceKeys };
}

export async function getIncidentSettings(orgId: string) {
  return db.org.findUniqueOrThrow({ where: { id: orgId }, select: { leakedTokenPolicy: true, maxTokenLifetimeDays: true } });
}

/** The members who may appear as token creators in the filter. */
export async function listTokenCreators(orgId: string): Promise<{ id: string; email: string }[]> {
  const memberships = await db.membership.findMany({
    where: { orgId },
    orderBy: { user: { email: "asc" } },
    select: { user: { select: { id: true, email: true } } },
  });
  return memberships.map((m) => m.user);
}
