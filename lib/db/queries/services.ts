import "server-only";

import type { ServiceScopeDefinition } from "@/lib/domain/services/scopes";
import { maskServiceKey } from "@/lib/tokens/format";
import { parentScopeName } from "@/lib/tokens/scope-tree";

import { db } from "../client";

// The org's services for the dashboard: never a key hash; the key itself is only ever shown once,
// by the action that made it.

/** A service's scopes, as the token form's scope tree groups them. */
export type ServiceScopeCatalogEntry = { slug: string; name: string; disabled: boolean; scopes: ServiceScopeDefinition[] };

export type ServiceListItem = {
  id: string;
  slug: string;
  name: string;
  upstreamUrl: string;
  maskedKey: string;
  keyRotatedAt: Date | null;
  /** A secret scanner reported the current key; `revoked` when the org's policy revoked it (it verifies nothing until rotated). */
  keyLeak: { reportedAt: Date; source: string | null; revoked: boolean } | null;
  disabledAt: Date | null;
  createdAt: Date;
  defaultScope: string | null;
  defaultCost: number;
  /** Sent back by the edit form: a save over a newer change is refused. */
  version: number;
  scopes: ServiceScopeDefinition[];
  routes: { method: string; pathPattern: string; scope: string; cost: number }[];
  /** Tokens that hold any of its scopes. */
  tokenCount: number;
};

export async function listServiceScopeCatalog(orgId: string): Promise<ServiceScopeCatalogEntry[]> {
  const services = await db.service.findMany({
    where: { orgId },
    orderBy: { slug: "asc" },
    select: { slug: true, name: true, disabledAt: true, scopes: { orderBy: { name: "asc" }, select: { name: true, description: true } } },
  });
  return services.map((service) => ({
    slug: service.slug,
    name: service.name,
    disabled: service.disabledAt !== null,
    scopes: service.scopes.map((scope) => ({ ...scope, parent: parentScopeName(scope.name) })),
  }));
}

export async function listServices(orgId: string): Promise<ServiceListItem[]> {
  const services = await db.service.findMany({
    where: { orgId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      slug: true,
      name: true,
      upstreamUrl: true,
      keyLastFour: true,
      keyRotatedAt: true,
      keyLeakReportedAt: true,
      keyLeakReportSource: true,
      keyRevokedAt: true,
      disabledAt: true,
      createdAt: true,
      defaultScope: true,
      defaultCost: true,
      version: true,
      scopes: { orderBy: { name: "asc" }, select: { name: true, description: true } },
      routes: { orderBy: [{ position: "asc" }, { id: "asc" }], select: { method: true, pathPattern: true, scope: true, cost: true } },
    },
  });
  const holders = await db.apiToken.findMany({
    where: { orgId, status: { not: "REVOKED" }, serviceScopes: { not: "" } },
    select: { serviceScopes: true },
  });
  return services.map(({ keyLastFour, scopes, keyLeakReportedAt, keyLeakReportSource, keyRevokedAt, ...service }) => ({
    ...service,
    maskedKey: maskServiceKey(keyLastFour),
    keyLeak: keyLeakReportedAt ? { reportedAt: keyLeakReportedAt, source: keyLeakReportSource, revoked: keyRevokedAt !== null } : null,
    scopes: scopes.map((scope) => ({ ...scope, parent: parentScopeName(scope.name) })),
    tokenCount: holders.filter((token) => token.serviceScopes.split(" ").some((ref) => ref.startsWith(`${service.slug}/`))).length,
  }));
}
