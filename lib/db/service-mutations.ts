import { serviceKeyLeakResponse, type ServiceKeyLeakResponse } from "../domain/services/key-leaks";
import {
  deserializeServiceScopes,
  parseServiceScopeDefinitions,
  removedServiceScopes,
  serializeServiceScopes,
  withinServiceScopes,
  withoutService,
} from "../domain/services/scopes";
import { generateServiceKey, hashTokenValue, tokenLastFour } from "../tokens/format";
import { auditRow, createAuditEvent } from "./audit";
import { db } from "./client";
import { inPermittedTransaction } from "./org-lock";
import type { Tx } from "./token-mutations";

// The one implementation of changes to an organization's services (lib/domain/services/), for
// the dashboard's server actions. Each runs in a transaction that re-checks `services:manage`
// (inPermittedTransaction), is scoped by org, writes its audit row with the change, and bumps the
// service's `version` so API servers drop what they cached (the verify charge checks it).
// Verification keys: generated here, stored as a SHA-256 hash, the value returned once.

export type ServiceActor = { kind: "user"; userId: string; label: string; ip: string | null; userAgent: string | null };

export type ServiceDefinition = {
  name: string;
  upstreamUrl: string;
  scopes: readonly { name: string; description: string }[];
  routes: readonly { method: string; pathPattern: string; scope: string; cost: number }[];
  defaultScope: string | null;
  defaultCost: number;
};

export type ServiceSummary = { id: string; slug: string; name: string; keyLastFour: string; disabledAt: Date | null; version: number };

/** The input names something that cannot be: a taken slug, a route's scope the service does not declare. The form shows it beside `field`. */
export class ServiceInputError extends Error {
  override name = "ServiceInputError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function isServiceInputError(error: unknown): error is ServiceInputError {
  return error instanceof ServiceInputError;
}

/** The service changed since the form was filled (its version moved on): nothing was saved. */
export class ServiceConflictError extends Error {
  override name = "ServiceConflictError";
  constructor() {
    super("This service was changed by someone else since you opened the form. Nothing was saved: reopen it to see the current settings.");
  }
}

export function isServiceConflict(error: unknown): error is ServiceConflictError {
  return error instanceof ServiceConflictError;
}

const SUMMARY = { id: true, slug: true, name: true, keyLastFour: true, disabledAt: true, version: true } as const;

export async function createService(
  actor: ServiceActor,
  orgId: string,
  input: ServiceDefinition & { slug: string },
): Promise<{ service: ServiceSummary; key: string }> {
  const { scopes, routes } = checkedDefinition(input);
  const key = generateServiceKey();
  const service = await inPermittedTransaction(actor, orgId, "services:manage", async (tx) => {
    const taken = await tx.service.findUnique({ where: { orgId_slug: { orgId, slug: input.slug } }, select: { id: true } });
    if (taken) throw new ServiceInputError("slug", "This organization already has a service with this slug.");
    const created = await tx.service.create({
      data: {
        orgId,
        slug: input.slug,
        name: input.name,
        upstreamUrl: input.upstreamUrl,
        defaultScope: input.defaultScope,
        defaultCost: input.defaultCost,
        keyHash: hashTokenValue(key),
        keyLastFour: tokenLastFour(key),
        createdById: actor.userId,
        scopes: { create: scopes },
        routes: { create: routes },
      },
      select: SUMMARY,
    });
    await createAuditEvent(tx, {
      data: audit(actor, orgId, "service.created", created.id, {
        slug: input.slug,
        name: input.name,
        upstreamUrl: input.upstreamUrl,
        scopes: scopes.map((scope) => scope.name),
        routes: routes.length,
      }),
    });
    return created;
  });
  return { service, key };
}

/**
 * Name, upstream, scopes and routes (the slug stays). A scope the service no longer declares is
 * taken off every token that held it, in the same transaction: a scope added back later under
 * the same name must not come back to old tokens.
 */
export async function updateService(
  actor: ServiceActor,
  orgId: string,
  serviceId: string,
  input: ServiceDefinition,
  options: { expectedVersion?: number } = {},
): Promise<ServiceSummary | null> {
  const { scopes, routes } = checkedDefinition(input);
  return inPermittedTransaction(actor, orgId, "services:manage", async (tx) => {
    const before = await tx.service.findFirst({
      where: { id: serviceId, orgId },
      select: { slug: true, name: true, upstreamUrl: true, version: true, scopes: { select: { name: true } } },
    });
    if (!before) return null;
    if (options.expectedVersion !== undefined && before.version !== options.expectedVersion) throw new ServiceConflictError();
    const declared = scopes.map((scope) => scope.name);
    const removed = removedServiceScopes(
      before.scopes.map((scope) => scope.name),
      scopes,
    );
    if (removed.length > 0)
      await rewriteTokenGrants(tx, orgId, before.slug, (granted) => withinServiceScopes(granted, before.slug, declared));
    await tx.serviceScope.deleteMany({ where: { serviceId } });
    await tx.serviceRoute.deleteMany({ where: { serviceId } });
    const updated = await tx.service.update({
      where: { id: serviceId },
      data: {
        name: input.name,
        upstreamUrl: input.upstreamUrl,
        defaultScope: input.defaultScope,
        defaultCost: input.defaultCost,
        version: { increment: 1 },
        scopes: { create: scopes },
        routes: { create: routes },
      },
      select: SUMMARY,
    });
    await createAuditEvent(tx, {
      data: audit(actor, orgId, "service.updated", serviceId, {
        before: { name: before.name, upstreamUrl: before.upstreamUrl, scopes: before.scopes.map((scope) => scope.name) },
        after: { name: input.name, upstreamUrl: input.upstreamUrl, scopes: declared },
        removedScopes: removed,
        routes: routes.length,
      }),
    });
    return updated;
  });
}

/** A new key; the old one stops working at once (every process: the charge checks the service's version). */
export async function rotateServiceKey(
  actor: ServiceActor,
  orgId: string,
  serviceId: string,
): Promise<{ service: ServiceSummary; key: string } | null> {
  const key = generateServiceKey();
  const service = await inPermittedTransaction(actor, orgId, "services:manage", async (tx) => {
    const updated = await tx.service.updateMany({
      where: { id: serviceId, orgId },
      // A new key is not the reported one: the leak mark and any revocation go with the old key.
      data: {
        keyHash: hashTokenValue(key),
        keyLastFour: tokenLastFour(key),
        keyRotatedAt: new Date(),
        keyLeakReportedAt: null,
        keyLeakReportSource: null,
        keyRevokedAt: null,
        version: { increment: 1 },
      },
    });
    if (updated.count === 0) return null;
    const rotated = await tx.service.findUniqueOrThrow({ where: { id: serviceId }, select: SUMMARY });
    await createAuditEvent(tx, { data: audit(actor, orgId, "service.key_rotated", serviceId, { name: rotated.name, slug: rotated.slug }) });
    return rotated;
  });
  return service ? { service, key } : null;
}

export type ServiceKeyLeak = { serviceId: string; orgId: string; handling: ServiceKeyLeakResponse };

/**
 * A secret scanner reported a value whose hash is a service's current verification key: marked,
 * audited and, under the org's DISABLE policy, revoked (lib/domain/services/key-leaks.ts). One
 * guarded statement on the key hash, so a key rotated meanwhile is left alone. Null when no
 * service has this key (unknown, or already rotated or revoked: it cannot be abused any more).
 */
export async function reportLeakedServiceKey(
  keyHash: string,
  report: { type: string | null; url: string | null; source: string | null; shownSource: string | null },
  reporter: { label: string; ip: string | null; userAgent: string | null },
  now: Date,
): Promise<ServiceKeyLeak | null> {
  return db.$transaction(async (tx) => {
    const service = await tx.service.findUnique({
      where: { keyHash },
      select: { id: true, orgId: true, slug: true, name: true, keyLastFour: true, org: { select: { leakedTokenPolicy: true } } },
    });
    if (!service) return null;
    const handling = serviceKeyLeakResponse(service.org.leakedTokenPolicy);
    // Revoked: the hash of a key nobody is shown, so the reported key verifies nothing; rotating makes a usable one.
    const revoke =
      handling === "key-revoked" ? { keyHash: hashTokenValue(generateServiceKey()), keyRevokedAt: now, version: { increment: 1 } } : {};
    const changed = await tx.service.updateMany({
      where: { id: service.id, keyHash },
      data: { keyLeakReportedAt: now, keyLeakReportSource: report.shownSource, ...revoke },
    });
    if (changed.count === 0) return null;
    await createAuditEvent(tx, {
      data: auditRow({
        orgId: service.orgId,
        actor: { type: "system", label: reporter.label },
        action: "service.key_leak_reported",
        target: { type: "service", id: service.id },
        metadata: {
          slug: service.slug,
          name: service.name,
          lastFour: service.keyLastFour,
          handling,
          type: report.type,
          url: report.url,
          source: report.source,
        },
        ip: reporter.ip,
        userAgent: reporter.userAgent,
      }),
    });
    return { serviceId: service.id, orgId: service.orgId, handling };
  });
}

/** Disabled, every verify and gateway call for the service is refused (`service_disabled`). */
export async function setServiceEnabled(
  actor: ServiceActor,
  orgId: string,
  serviceId: string,
  enabled: boolean,
): Promise<ServiceSummary | null> {
  return inPermittedTransaction(actor, orgId, "services:manage", async (tx) => {
    const before = await tx.service.findFirst({ where: { id: serviceId, orgId }, select: { disabledAt: true } });
    if (!before) return null;
    if ((before.disabledAt === null) === enabled) return tx.service.findUniqueOrThrow({ where: { id: serviceId }, select: SUMMARY });
    const updated = await tx.service.update({
      where: { id: serviceId },
      data: { disabledAt: enabled ? null : new Date(), version: { increment: 1 } },
      select: SUMMARY,
    });
    await createAuditEvent(tx, {
      data: audit(actor, orgId, enabled ? "service.enabled" : "service.disabled", serviceId, { name: updated.name, slug: updated.slug }),
    });
    return updated;
  });
}

/** Gone with its scopes and routes; every token's grants of it are removed in the same transaction. */
export async function deleteService(actor: ServiceActor, orgId: string, serviceId: string): Promise<boolean> {
  return inPermittedTransaction(actor, orgId, "services:manage", async (tx) => {
    const before = await tx.service.findFirst({ where: { id: serviceId, orgId }, select: { slug: true, name: true } });
    if (!before) return false;
    const tokens = await rewriteTokenGrants(tx, orgId, before.slug, (granted) => withoutService(granted, before.slug));
    await tx.service.delete({ where: { id: serviceId } });
    await createAuditEvent(tx, {
      data: audit(actor, orgId, "service.deleted", serviceId, { slug: before.slug, name: before.name, tokensChanged: tokens }),
    });
    return true;
  });
}

/** Applies `rewrite` to the service scopes of the org's tokens that hold any of `slug`'s; bumps each changed token's version. */
async function rewriteTokenGrants(tx: Tx, orgId: string, slug: string, rewrite: (granted: string[]) => string[]): Promise<number> {
  const holders = await tx.apiToken.findMany({
    where: { orgId, serviceScopes: { contains: `${slug}/` } },
    select: { id: true, serviceScopes: true },
  });
  let changed = 0;
  for (const token of holders) {
    const granted = deserializeServiceScopes(token.serviceScopes);
    const kept = serializeServiceScopes(rewrite(granted));
    if (kept === serializeServiceScopes(granted)) continue;
    await tx.apiToken.update({ where: { id: token.id }, data: { serviceScopes: kept, version: { increment: 1 } } });
    changed++;
  }
  return changed;
}

/** The declared scopes (with implied parents), and routes and a default that only name declared scopes. */
function checkedDefinition(input: ServiceDefinition) {
  const parsed = parseServiceScopeDefinitions(input.scopes);
  if (!parsed.ok) throw new ServiceInputError("scopes", `Not a scope name: ${parsed.invalid.join(", ")}.`);
  const declared = new Set(parsed.scopes.map((scope) => scope.name));
  const undeclared = input.routes.filter((route) => !declared.has(route.scope)).map((route) => route.scope);
  if (undeclared.length > 0)
    throw new ServiceInputError("routes", `Routes name scopes the service does not declare: ${[...new Set(undeclared)].join(", ")}.`);
  if (input.defaultScope !== null && !declared.has(input.defaultScope)) {
    throw new ServiceInputError("defaultScope", `The default scope "${input.defaultScope}" is not one of the service's scopes.`);
  }
  return {
    scopes: parsed.scopes.map((scope) => ({ name: scope.name, description: scope.description })),
    routes: input.routes.map((route, position) => ({ ...route, method: route.method.toUpperCase(), position })),
  };
}

function audit(actor: ServiceActor, orgId: string, action: string, serviceId: string, metadata: Record<string, unknown>) {
  return auditRow({
    orgId,
    actor: { type: "user", userId: actor.userId, label: actor.label },
    action,
    target: { type: "service", id: serviceId },
    metadata,
    ip: actor.ip,
    userAgent: actor.userAgent,
  });
}
