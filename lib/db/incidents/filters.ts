import { BlockList } from "node:net";

import { deserializeScopes, maskToken, scopeGrants, type Scope } from "../../tokens";
import { parseAddressRange, type IncidentAction, type IncidentFilter } from "../../validations/incident";
import { recordAudit } from "../audit";
import { databaseProvider, db } from "../client";
import { SqlParams } from "../dialect";
import type { Prisma } from "../generated/sqlite/client";
import { displayStatus, type TokenDisplayStatus, type TokenVisibility } from "../token-dto";
import { asAdmin, auditActorOf, IncidentError, type UserActor } from "./shared";

// Choosing tokens for a bulk operation, and recording the operation with the tokens it covers.

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
  // From the daily IP breakdown, not the raw events: it covers the rollup retention (raw events
  // are pruned after KEYWARD_USAGE_RETENTION_DAYS) in a fraction of the rows.
  const p = new SqlParams(databaseProvider);
  const pairs = await db.$queryRawUnsafe<{ tokenId: string; ip: string }[]>(
    `SELECT DISTINCT b."tokenId", b."value" AS "ip" FROM "UsageBreakdownDaily" b JOIN "ApiToken" t ON t."id" = b."tokenId"
     WHERE t."orgId" = ${p.add(orgId)} AND b."dimension" = 'ip' AND b."value" <> ''`,
    ...p.values,
  );
  for (const pair of pairs) if (inRange(pair.ip)) matched.add(pair.tokenId);
  const lastUsed = await db.apiToken.findMany({ where: { orgId, lastUsedIp: { not: null } }, select: { id: true, lastUsedIp: true } });
  for (const token of lastUsed) if (inRange(token.lastUsedIp)) matched.add(token.id);
  return matched;
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

function serializeFilter(filter: IncidentFilter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  }
  return out;
}
