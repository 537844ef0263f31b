import "server-only";

import { rolesWith, type OrgRole } from "@/lib/auth/permissions";
import { deserializeServiceScopes } from "@/lib/domain/services/scopes";
import { actsForAnAdmin } from "@/lib/domain/tokens/authority";
import { deserializeNetworks } from "@/lib/domain/tokens/networks";
import { quotaAt, type QuotaNow } from "@/lib/domain/tokens/quota";
import { visibleTokensWhere } from "@/lib/domain/tokens/visibility";
import { checkTokenFormat, deserializeScopes, hashTokenValue, maskToken, SCOPES, type QuotaWindow, type Scope } from "@/lib/tokens";
import type { TokenListParams, TokenSort } from "@/lib/validations/token";

import { databaseProvider, db } from "../client";
import { containsIgnoringCase } from "../dialect";
import type { Prisma } from "../generated/sqlite/client";
import {
  displayStatus,
  tokenDetailSelect,
  toTokenDetail,
  type TokenDetail,
  type TokenDisplayStatus,
  type TokenVisibility,
} from "../token-dto";

/** A row of the tokens table: never a value or hash. */
export type TokenListItem = {
  id: string;
  name: string;
  maskedValue: string;
  scopes: Scope[];
  /** Scopes of the org's services, "<slug>/<scope>". */
  serviceScopes: string[];
  visibility: TokenVisibility;
  status: TokenDisplayStatus;
  /** The setting (the edit form's default). */
  quotaMax: number;
  quotaWindow: QuotaWindow;
  /** As a caller would find it now: a window that has ended is full. */
  quota: QuotaNow;
  expiresAt: Date | null;
  /** Canonical CIDR ranges; empty: any address. */
  allowedNetworks: string[];
  lastUsedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
  /** The admin it acts for has been demoted or removed: its token-management scopes no longer work. */
  createdByFormerAdmin: boolean;
  /** For edits and rotations: a change made meanwhile by someone else is refused, not overwritten. */
  version: number;
};

export type TokenPage = { rows: TokenListItem[]; total: number; page: number; pageSize: number };

/** A token for its detail page; `quota` is as a caller would find it now (show it, not the stored counters). */
export type TokenView = TokenDetail & { createdByFormerAdmin: boolean; quota: QuotaNow };

/** Who may manage the org's tokens now (the former-admin rule's test): one query per page, however many tokens it shows. */
async function currentAdmins(orgId: string): Promise<(userId: string) => boolean> {
  const admins = await db.membership.findMany({ where: { orgId, role: { in: rolesWith("tokens:manage") } }, select: { userId: true } });
  const ids = new Set(admins.map((admin) => admin.userId));
  return (userId) => ids.has(userId);
}

export { visibleTokensWhere };

/** One page of the tokens the viewer may see, filtered and sorted in the database. */
export async function listTokens(orgId: string, role: OrgRole, params: TokenListParams, now = new Date()): Promise<TokenPage> {
  const where: Prisma.ApiTokenWhereInput = { AND: [visibleTokensWhere(orgId, role), ...(await filtersFor(params, now))] };
  const total = await db.apiToken.count({ where });
  const lastPage = Math.max(1, Math.ceil(total / params.size));
  const page = Math.min(params.page, lastPage);
  const pageArgs: Pick<Prisma.ApiTokenFindManyArgs, "where" | "orderBy" | "skip" | "take"> =
    params.sort === "quota"
      ? { where: { id: { in: await pageByQuotaLeft(where, params.dir, page, params.size, now) } } }
      : { where, orderBy: orderFor(params.sort, params.dir), skip: (page - 1) * params.size, take: params.size };
  const [rows, isAdmin] = await Promise.all([
    db.apiToken.findMany({
      ...pageArgs,
      select: {
        id: true,
        name: true,
        lastFour: true,
        scopes: true,
        serviceScopes: true,
        visibility: true,
        status: true,
        quotaMax: true,
        quotaRemaining: true,
        quotaWindow: true,
        quotaResetAt: true,
        expiresAt: true,
        allowedNetworks: true,
        lastUsedAt: true,
        createdAt: true,
        createdByTokenId: true,
        onBehalfOfId: true,
        version: true,
        createdBy: { select: { email: true } },
      },
    }),
    currentAdmins(orgId),
  ]);
  if (params.sort === "quota") rows.sort(byQuotaLeft(params.dir, now));
  return {
    total,
    page,
    pageSize: params.size,
    rows: rows.map((r) => ({
      id: r.id,
      name: r.name,
      maskedValue: maskToken(r.lastFour),
      scopes: deserializeScopes(r.scopes),
      serviceScopes: deserializeServiceScopes(r.serviceScopes),
      visibility: r.visibility,
      status: displayStatus(r, now),
      quotaMax: r.quotaMax,
      quotaWindow: r.quotaWindow,
      quota: quotaAt(r, now),
      expiresAt: r.expiresAt,
      allowedNetworks: deserializeNetworks(r.allowedNetworks),
      lastUsedAt: r.lastUsedAt,
      createdAt: r.createdAt,
      createdBy: r.createdBy?.email ?? (r.createdByTokenId ? "an API token" : null),
      createdByFormerAdmin: !actsForAnAdmin(r.onBehalfOfId, isAdmin),
      version: r.version,
    })),
  };
}

/** One token for its detail page; null (→ 404) when it is not in this org or not visible to the viewer. */
export async function getTokenForViewer(orgId: string, role: OrgRole, tokenId: string, now = new Date()): Promise<TokenView | null> {
  const [row, isAdmin] = await Promise.all([
    db.apiToken.findFirst({
      where: { ...visibleTokensWhere(orgId, role), id: tokenId },
      select: { ...tokenDetailSelect(now), onBehalfOfId: true },
    }),
    currentAdmins(orgId),
  ]);
  return row ? { ...toTokenDetail(row), createdByFormerAdmin: !actsForAnAdmin(row.onBehalfOfId, isAdmin), quota: quotaAt(row, now) } : null;
}

async function filtersFor(params: TokenListParams, now: Date): Promise<Prisma.ApiTokenWhereInput[]> {
  const filters: Prisma.ApiTokenWhereInput[] = [];
  if (params.q) filters.push(await searchFilter(params.q));
  switch (params.status) {
    case "active":
      filters.push({ status: "ACTIVE", OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });
      break;
    case "expired":
      filters.push({ status: "ACTIVE", expiresAt: { lte: now } });
      break;
    case "disabled":
      filters.push({ status: "DISABLED" });
      break;
    case "revoked":
      filters.push({ status: "REVOKED" });
      break;
  }
  if (params.visibility) filters.push({ visibility: params.visibility === "organization" ? "ORGANIZATION" : "ADMIN_ONLY" });
  if (params.scope) filters.push(grantsScopeFilter(params.scope));
  return filters;
}

/**
 * Name contains the text (case-insensitive), or the exact group id; a full pasted token value
 * finds the token it belongs to (by hash), which is what an incident responder holding a leaked
 * value needs.
 */
async function searchFilter(q: string): Promise<Prisma.ApiTokenWhereInput> {
  const or: Prisma.ApiTokenWhereInput[] = [{ name: containsIgnoringCase(databaseProvider, q) as Prisma.StringFilter }, { id: q }];
  if (checkTokenFormat(q).ok) {
    const value = await db.apiTokenValue.findUnique({ where: { hash: hashTokenValue(q) }, select: { tokenId: true } });
    if (value) or.push({ id: value.tokenId });
  }
  return { OR: or };
}

/** Tokens holding the scope itself or its parent (which grants it). Scopes are stored space-separated. */
function grantsScopeFilter(scope: Scope): Prisma.ApiTokenWhereInput {
  const parent = SCOPES.find((s) => s.name === scope)?.parent;
  const names = parent ? [scope, parent] : [scope];
  return {
    OR: names.flatMap((name) => [
      { scopes: name },
      { scopes: { startsWith: `${name} ` } },
      { scopes: { endsWith: ` ${name}` } },
      { scopes: { contains: ` ${name} ` } },
    ]),
  };
}

type QuotaRow = { id: string; quotaMax: number; quotaRemaining: number; quotaResetAt: Date; quotaWindow: QuotaWindow };

/** Orders by quota left as a caller would find it now (`quotaAt`: a window that has ended is full), then id. */
function byQuotaLeft(dir: "asc" | "desc", now: Date) {
  const sign = dir === "asc" ? 1 : -1;
  return (a: QuotaRow, b: QuotaRow) =>
    sign * (quotaAt(a, now).remaining - quotaAt(b, now).remaining || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The ids of one page sorted by quota left. The rule (`quotaAt`) decides in memory, over the
 * filtered tokens' quota columns only: a few milliseconds at 10,000 tokens.
 */
async function pageByQuotaLeft(
  where: Prisma.ApiTokenWhereInput,
  dir: "asc" | "desc",
  page: number,
  size: number,
  now: Date,
): Promise<string[]> {
  const rows = await db.apiToken.findMany({
    where,
    select: { id: true, quotaMax: true, quotaRemaining: true, quotaResetAt: true, quotaWindow: true },
  });
  return rows
    .sort(byQuotaLeft(dir, now))
    .slice((page - 1) * size, page * size)
    .map((row) => row.id);
}

/** The database orders every sort but quota left, which `pageByQuotaLeft` decides by the rule. */
function orderFor(sort: Exclude<TokenSort, "quota">, dir: "asc" | "desc"): Prisma.ApiTokenOrderByWithRelationInput[] {
  const tieBreak = { id: dir } as const;
  switch (sort) {
    case "name":
      return [{ name: dir }, tieBreak];
    case "status":
      return [{ status: dir }, { createdAt: "desc" }, tieBreak];
    case "lastUsed":
      return [{ lastUsedAt: { sort: dir, nulls: "last" } }, tieBreak];
    case "expires":
      return [{ expiresAt: { sort: dir, nulls: "last" } }, tieBreak];
    case "created":
      return [{ createdAt: dir }, tieBreak];
  }
}

/** The token's id and name when the viewer may see it in this org, else null (→ 404): for the request-log CSV. */
export async function findVisibleTokenName(orgId: string, role: OrgRole, tokenId: string): Promise<{ id: string; name: string } | null> {
  return db.apiToken.findFirst({ where: { ...visibleTokensWhere(orgId, role), id: tokenId }, select: { id: true, name: true } });
}

export type UsableToken = { id: string; name: string; lastFour: string; scopes: Scope[] };

/** Up to 100 tokens the viewer may see that work now, most recently used first: the REST API page's examples. */
export async function listUsableTokens(orgId: string, role: OrgRole, now = new Date()): Promise<UsableToken[]> {
  const rows = await db.apiToken.findMany({
    where: { ...visibleTokensWhere(orgId, role), status: "ACTIVE", OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: [{ lastUsedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
    take: 100,
    select: { id: true, name: true, lastFour: true, scopes: true },
  });
  return rows.map((row) => ({ id: row.id, name: row.name, lastFour: row.lastFour, scopes: deserializeScopes(row.scopes) }));
}

/**
 * Whether the org already has a token (not revoked) with exactly this name. A warning, not a
 * constraint: two tokens may share a name once the admin has said so.
 */
/**
 * Whether giving `name` would make two live tokens share it: another unrevoked token has it, and
 * (on an edit) the token is not already called so — keeping a shared name is not asked about again.
 */
export async function tokenNameInUse(orgId: string, name: string, renamedTokenId?: string): Promise<boolean> {
  if (renamedTokenId) {
    const renamed = await db.apiToken.findFirst({ where: { id: renamedTokenId, orgId }, select: { name: true } });
    if (renamed?.name === name) return false;
  }
  const existing = await db.apiToken.findFirst({
    where: { orgId, name, status: { not: "REVOKED" }, ...(renamedTokenId ? { id: { not: renamedTokenId } } : {}) },
    select: { id: true },
  });
  return existing !== null;
}
