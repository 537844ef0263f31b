import "server-only";

import { showInvisible, showInvisibleDeep } from "@/lib/format/visible-text";
import type { AuditFilter, AuditListParams } from "@/lib/validations/audit";

import { readAuditMetadata, recordAudit } from "../audit";
import { databaseProvider, db } from "../client";
import { containsIgnoringCase } from "../dialect";
import type { Prisma } from "../generated/sqlite/client";

export type AuditActorKind = "user" | "token" | "system";

export type AuditListItem = {
  id: string;
  at: Date;
  actorLabel: string;
  actorKind: AuditActorKind;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** The target token's current name, when the target is a token of this org. */
  targetName: string | null;
  metadata: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
};

export type AuditPage = { rows: AuditListItem[]; total: number; page: number; pageSize: number };

export type AuditFilterOptions = {
  actions: string[];
  actors: { value: string; label: string }[];
  /** Tokens of the org that events name, for the token filter. */
  tokens: { value: string; label: string }[];
};

/** One page of the org's audit log, newest first. */
export async function listAuditEvents(orgId: string, params: AuditListParams): Promise<AuditPage> {
  const where = await auditWhere(orgId, params);
  const total = await db.auditEvent.count({ where });
  const page = Math.min(params.page, Math.max(1, Math.ceil(total / params.size)));
  const events = await db.auditEvent.findMany({
    where,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip: (page - 1) * params.size,
    take: params.size,
  });
  return { total, page, pageSize: params.size, rows: await toListItems(orgId, events) };
}

const EXPORT_BATCH = 500;

/**
 * Every event the filter selects, newest first, in batches (keyset paging, so a long export
 * never holds the whole log in memory nor skips rows written meanwhile).
 */
/**
 * Reading the log out is itself logged (who, which filters, which format) before a single event
 * is read; the export then holds the events logged before that one.
 */
export async function startAuditExport(
  orgId: string,
  filter: AuditFilter,
  request: { user: { id: string; email: string }; format: string; ip: string | null; userAgent: string | null },
): Promise<AsyncGenerator<AuditListItem[]>> {
  const filters = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== ""));
  const exportEvent = await recordAudit(db, {
    orgId,
    actor: { type: "user", userId: request.user.id, label: request.user.email },
    action: "audit.exported",
    metadata: { format: request.format, filters },
    ip: request.ip,
    userAgent: request.userAgent,
  });
  return auditEventsForExport(orgId, filter, exportEvent);
}

/** Every event the filter selects, newest first, in batches; `before`: only events older than that one. */
async function* auditEventsForExport(
  orgId: string,
  filter: AuditFilter,
  before: { at: Date; id: string } | null = null,
): AsyncGenerator<AuditListItem[]> {
  const where = await auditWhere(orgId, filter);
  let after = before;
  for (;;) {
    const cursor: Prisma.AuditEventWhereInput = after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {};
    const events = await db.auditEvent.findMany({
      where: { AND: [where, cursor] },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: EXPORT_BATCH,
    });
    if (events.length === 0) return;
    yield await toListItems(orgId, events);
    const last = events[events.length - 1]!;
    after = { at: last.at, id: last.id };
    if (events.length < EXPORT_BATCH) return;
  }
}

type AuditRow = Awaited<ReturnType<typeof db.auditEvent.findMany>>[number];

async function toListItems(orgId: string, events: AuditRow[]): Promise<AuditListItem[]> {
  const tokenIds = [...new Set(events.filter((e) => e.targetType === "token" && e.targetId).map((e) => e.targetId!))];
  const tokens = tokenIds.length
    ? await db.apiToken.findMany({ where: { orgId, id: { in: tokenIds } }, select: { id: true, name: true } })
    : [];
  const names = new Map(tokens.map((t) => [t.id, t.name]));
  return events.map((e) => ({
    id: e.id,
    at: e.at,
    // Names and user agents are typed by people: shown with invisible characters escaped.
    actorLabel: showInvisible(e.actorLabel),
    actorKind: e.actorUserId ? "user" : e.actorTokenId ? "token" : "system",
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    targetName: e.targetId ? showNullable(names.get(e.targetId)) : null,
    metadata: showInvisibleDeep(readAuditMetadata(e.metadata)),
    ip: e.ip,
    userAgent: showNullable(e.userAgent),
  }));
}

/** The latest events about one token, for its detail page. */
export async function recentTokenEvents(orgId: string, tokenId: string, take = 10): Promise<AuditListItem[]> {
  const page = await listAuditEvents(orgId, { token: tokenId, page: 1, size: 10 });
  return page.rows.slice(0, take);
}

/** The actions and actors that occur in the org's log, for the filter menus. */
export async function auditFilterOptions(orgId: string): Promise<AuditFilterOptions> {
  const [actions, actors, tokens] = await Promise.all([
    db.auditEvent.groupBy({ by: ["action"], where: { orgId }, orderBy: { action: "asc" } }),
    db.auditEvent.groupBy({
      by: ["actorUserId", "actorTokenId", "actorLabel"],
      where: { orgId, OR: [{ actorUserId: { not: null } }, { actorTokenId: { not: null } }] },
      orderBy: { actorLabel: "asc" },
      take: 200,
    }),
    db.apiToken.findMany({ where: { orgId }, select: { id: true, name: true }, orderBy: { name: "asc" }, take: 500 }),
  ]);
  const seen = new Set<string>();
  const actorOptions: { value: string; label: string }[] = [];
  for (const a of actors) {
    const value = a.actorUserId ? `user:${a.actorUserId}` : `token:${a.actorTokenId}`;
    if (seen.has(value)) continue; // the same person under an older email
    seen.add(value);
    const label = showInvisible(a.actorLabel);
    actorOptions.push({ value, label: a.actorTokenId ? `${label} (API token)` : label });
  }
  return {
    actions: actions.map((a) => a.action),
    actors: actorOptions,
    tokens: tokens.map((t) => ({ value: t.id, label: showInvisible(t.name) })),
  };
}

function showNullable(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : showInvisible(text);
}

/** The name of a token of this org, for the "token:" filter chip. */
export async function tokenNameInOrg(orgId: string, tokenId: string): Promise<string | null> {
  const token = await db.apiToken.findFirst({ where: { orgId, id: tokenId }, select: { name: true } });
  return token?.name ?? null;
}

const DAY_MS = 24 * 3600_000;

/** The filters of the page and the export, as one `where` (so an export holds exactly what is shown). */
async function auditWhere(orgId: string, filter: AuditFilter): Promise<Prisma.AuditEventWhereInput> {
  const where: Prisma.AuditEventWhereInput = { orgId };
  const and: Prisma.AuditEventWhereInput[] = [];
  if (filter.action) where.action = filter.action;
  if (filter.token) where.targetId = filter.token;
  if (filter.actor) {
    const [kind, id] = filter.actor.split(":") as ["user" | "token", string];
    if (kind === "user") where.actorUserId = id;
    else where.actorTokenId = id;
  }
  if (filter.from || filter.to) {
    where.at = {
      ...(filter.from ? { gte: new Date(`${filter.from}T00:00:00.000Z`) } : {}),
      ...(filter.to ? { lt: new Date(new Date(`${filter.to}T00:00:00.000Z`).getTime() + DAY_MS) } : {}),
    };
  }
  if (filter.q) {
    // Token names are searched as they are now (a renamed token is found by its new name).
    // Case is ignored on both databases, as in the tokens search.
    const text = containsIgnoringCase(databaseProvider, filter.q) as Prisma.StringFilter;
    const named = await db.apiToken.findMany({ where: { orgId, name: text }, select: { id: true }, take: 500 });
    and.push({
      OR: [
        { actorLabel: text },
        { action: text },
        { metadata: text },
        ...(named.length ? [{ targetId: { in: named.map((t) => t.id) } }] : []),
      ],
    });
  }
  return and.length ? { ...where, AND: and } : where;
}
