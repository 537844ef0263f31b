import { deserializeServiceScopes } from "../domain/services/scopes";
import { deserializeNetworks } from "../domain/tokens/networks";
import type { TokenStatus } from "../domain/tokens/status";
import { deserializeScopes, maskToken, type QuotaWindow, type Scope } from "../tokens";

// No "server-only" here: the REST API imports this outside Next.js. It is still server code —
// it only shapes rows, and the shapes it returns never carry a token value or hash.

export type TokenVisibility = "ADMIN_ONLY" | "ORGANIZATION";
export type { TokenStatus } from "../domain/tokens/status";

/** A token as the dashboard and the API show it: settings and state, never its value or hash. */
export type TokenDetail = {
  /** The group id: stable across rotations. */
  id: string;
  orgId: string;
  name: string;
  /** "kw_…" plus the last four characters of the current value. */
  maskedValue: string;
  lastFour: string;
  scopes: Scope[];
  /** Scopes of the org's services, "<slug>/<scope>". */
  serviceScopes: string[];
  visibility: TokenVisibility;
  status: TokenStatus;
  quotaMax: number;
  quotaRemaining: number;
  quotaWindow: QuotaWindow;
  quotaResetAt: Date;
  expiresAt: Date | null;
  /** Canonical CIDR ranges calls must come from; empty: any address. */
  allowedNetworks: string[];
  createdAt: Date;
  updatedAt: Date;
  rotatedAt: Date | null;
  disabledAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  lastUsedUserAgent: string | null;
  lastUsedRoute: string | null;
  createdBy: { userId: string | null; email: string | null; tokenId: string | null };
  version: number;
  /** When a value replaced by a rotation stops working, while its grace period lasts. */
  previousValueValidUntil: Date | null;
};

/** The Prisma select that `toTokenDetail` maps; `now` decides which replaced values are still live. */
export function tokenDetailSelect(now: Date) {
  return {
    id: true,
    orgId: true,
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
    createdAt: true,
    updatedAt: true,
    rotatedAt: true,
    disabledAt: true,
    revokedAt: true,
    lastUsedAt: true,
    lastUsedIp: true,
    lastUsedUserAgent: true,
    lastUsedRoute: true,
    createdById: true,
    createdByTokenId: true,
    version: true,
    createdBy: { select: { email: true } },
    values: {
      where: { validUntil: { gt: now } },
      orderBy: { validUntil: "desc" },
      take: 1,
      select: { validUntil: true },
    },
  } as const;
}

type TokenDetailRow = {
  id: string;
  orgId: string;
  name: string;
  lastFour: string;
  scopes: string;
  serviceScopes: string;
  visibility: TokenVisibility;
  status: TokenStatus;
  quotaMax: number;
  quotaRemaining: number;
  quotaWindow: QuotaWindow;
  quotaResetAt: Date;
  expiresAt: Date | null;
  allowedNetworks: string;
  createdAt: Date;
  updatedAt: Date;
  rotatedAt: Date | null;
  disabledAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  lastUsedUserAgent: string | null;
  lastUsedRoute: string | null;
  createdById: string | null;
  createdByTokenId: string | null;
  version: number;
  createdBy: { email: string } | null;
  values: { validUntil: Date | null }[];
};

export function toTokenDetail(row: TokenDetailRow): TokenDetail {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    maskedValue: maskToken(row.lastFour),
    lastFour: row.lastFour,
    scopes: deserializeScopes(row.scopes),
    serviceScopes: deserializeServiceScopes(row.serviceScopes),
    visibility: row.visibility,
    status: row.status,
    quotaMax: row.quotaMax,
    quotaRemaining: row.quotaRemaining,
    quotaWindow: row.quotaWindow,
    quotaResetAt: row.quotaResetAt,
    expiresAt: row.expiresAt,
    allowedNetworks: deserializeNetworks(row.allowedNetworks),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    rotatedAt: row.rotatedAt,
    disabledAt: row.disabledAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    lastUsedIp: row.lastUsedIp,
    lastUsedUserAgent: row.lastUsedUserAgent,
    lastUsedRoute: row.lastUsedRoute,
    createdBy: { userId: row.createdById, email: row.createdBy?.email ?? null, tokenId: row.createdByTokenId },
    version: row.version,
    previousValueValidUntil: row.values[0]?.validUntil ?? null,
  };
}

export { displayStatus, type TokenDisplayStatus } from "../domain/tokens/status";
