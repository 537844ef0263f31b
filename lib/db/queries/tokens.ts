import "server-only";
import type { OrgRole } from "@/lib/auth/permissions";
import { deserializeScopes, maskToken } from "@/lib/tokens";
import { db } from "../client";

/** What a token looks like to the dashboard: never its value or hash. */
export type TokenListItem = {
  id: string;
  name: string;
  maskedValue: string;
  scopes: string[];
  visibility: "ADMIN_ONLY" | "ORGANIZATION";
  status: "ACTIVE" | "DISABLED" | "REVOKED";
  quotaMax: number;
  quotaRemaining: number;
  lastUsedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
};

/** Members see organization-visible tokens only; admins see all. */
export function visibleTokensWhere(orgId: string, role: OrgRole) {
  return role === "ADMIN" ? { orgId } : { orgId, visibility: "ORGANIZATION" as const };
}

export async function listTokensForViewer(orgId: string, role: OrgRole): Promise<TokenListItem[]> {
  const rows = await db.apiToken.findMany({
    where: visibleTokensWhere(orgId, role),
    orderBy: { createdAt: "desc" },
    take: 100,
    select: {
      id: true,
      name: true,
      lastFour: true,
      scopes: true,
      visibility: true,
      status: true,
      quotaMax: true,
      quotaRemaining: true,
      lastUsedAt: true,
      createdAt: true,
      createdBy: { select: { email: true } },
    },
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    maskedValue: maskToken(r.lastFour),
    scopes: deserializeScopes(r.scopes),
    visibility: r.visibility,
    status: r.status,
    quotaMax: r.quotaMax,
    quotaRemaining: r.quotaRemaining,
    lastUsedAt: r.lastUsedAt,
    createdAt: r.createdAt,
    createdBy: r.createdBy?.email ?? null,
  }));
}
