import "server-only";
import type { AuditListParams } from "@/lib/validations/audit";
import { showInvisible, showInvisibleDeep } from "@/lib/format/visible-text";
import { db } from "../client";
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
};

/** One page of the org's audit log, newest first. */
export async function listAuditEvents(orgId: string, params: AuditListParams): Promise<AuditPage> {
  const where = auditWhere(orgId, params);
  const total = await db.auditEvent.count({ where });
  const page = Math.min(params.page, Math.max(1, Math.ceil(total / params.size)));
  const events = await db.auditEvent.findMany({
    where,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip: (page - 1) * params.size,
    take: params.size,
  });
  const tokenIds = [...new Set(events.filter((e) => e.targetType === "token" && e.targetId).map((e) => e.targetId!))];
  const tokens = tokenIds.length
    ? await db.apiToken.findMany({ where: { orgId, id: { in: tokenIds } }, select: { id: true, name: true } })
    : [];
  const names = new Map(tokens.map((t) => [t.id, t.name]));
  return {
    total,
    page,
    pageSize: params.size,
    rows: events.map((e) => ({
      id: e.id,
      at: e.at,
      // Names and user agents are typed by people: shown with invisible characters escaped.
      actorLabel: showInvisible(e.actorLabel),
      actorKind: e.actorUserId ? "user" : e.actorTokenId ? "token" : "system",
      action: e.action,
      targetType: e.targetType,
      targetId: e.targetId,
      targetName: e.targetId ? showNullable(names.get(e.targetId)) : null,
      metadata: showInvisibleDeep(parseMetadata(e.metadata)),
      ip: e.ip,
      userAgent: showNullable(e.userAgent),
    })),
  };
}

/** The latest events about one token, for its detail page. */
export async function recentTokenEvents(orgId: string, tokenId: string, take = 10): Promise<AuditListItem[]> {
  const page = await listAuditEvents(orgId, { token: tokenId, page: 1, size: 10 });
  return page.rows.slice(0, take);
}

/** The actions and actors that occur in the org's log, for the filter menus. */
export async function auditFilterOptions(orgId: string): Promise<AuditFilterOptions> {
  const [actions, actors] = await Promise.all([
    db.auditEvent.groupBy({ by: ["action"], where: { orgId }, orderBy: { action: "asc" } }),
    db.auditEvent.groupBy({
      by: ["actorUserId", "actorTokenId", "actorLabel"],
      where: { orgId, OR: [{ actorUserId: { not: null } }, { actorTokenId: { not: null } }] },
      orderBy: { actorLabel: "asc" },
      take: 200,
    }),
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
  return { actions: actions.map((a) => a.action), actors: actorOptions };
}

function showNullable(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : showInvisible(text);
}

/** The name of a token of this org, for the "token:" filter chip. */
export async function tokenNameInOrg(orgId: string, tokenId: string): Promise<string | null> {
  const token = await db.apiToken.findFirst({ where: { orgId, id: tokenId }, select: { name: true } });
  return token?.name ?? null;
}

function auditWhere(orgId: string, params: Pick<AuditListParams, "action" | "actor" | "token">): Prisma.AuditEventWhereInput {
  const where: Prisma.AuditEventWhereInput = { orgId };
  if (params.action) where.action = params.action;
  if (params.token) where.targetId = params.token;
  if (params.actor) {
    const [kind, id] = params.actor.split(":") as ["user" | "token", string];
    if (kind === "user") where.actorUserId = id;
    else where.actorTokenId = id;
  }
  return where;
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
