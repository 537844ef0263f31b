import { rolesWith } from "../../domain/members/policy";
import { checkTokenFormat, deserializeScopes, hashTokenValue, maskToken, type Scope } from "../../tokens";
import { checkServiceKeyFormat, maskServiceKey, SERVICE_KEY_PREFIX } from "../../tokens/format";
import { recordAudit } from "../audit";
import { displayStatus, type TokenDisplayStatus, type TokenVisibility } from "../token-dto";
import type { Tx } from "../token-mutations";
import { asAdmin, auditActorOf, type UserActor } from "./shared";

// "Which token is this?": finding pasted tokens, and services' verification keys (kws_…), across
// the orgs the user administers.

export type LookupMatch = {
  /** What was pasted, masked: "kw_…abcd". */
  candidate: string;
  found: true;
  kind: "token";
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

/** A pasted verification key: which service of which org it verifies for (it authorizes no API call itself). */
export type ServiceKeyMatch = {
  /** What was pasted, masked: "kws_…abcd". */
  candidate: string;
  found: true;
  kind: "service-key";
  org: { slug: string; name: string };
  service: { id: string; slug: string; name: string; disabledAt: Date | null; keyLeakReportedAt: Date | null };
};

export type LookupResult =
  | LookupMatch
  | ServiceKeyMatch
  | { candidate: string; kind: LookupKind; found: false; reason: "not-found" }
  /** Looks like a Keyward token (or key) but fails the checksum: a typo or a truncated copy. */
  | { candidate: string; kind: LookupKind; found: false; reason: "checksum" };

export type LookupKind = "token" | "service-key";

/** At most this many tokens are looked up from one paste. */
export const MAX_LOOKUP_CANDIDATES = 20;
const TOKEN_LIKE = /\bkws?_[0-9A-Za-z]{8,64}\b/g;

/**
 * Finds the tokens in pasted text (checksum first: typos are rejected without a database hit),
 * then looks each up by hash in the orgs where the user is an admin — a token of any other org is
 * "not found", the same as no token. Every lookup is audited: a match in its own org, a miss in
 * the org the lookup was made from.
 */
export async function lookupTokens(actor: UserActor, fromOrgId: string, text: string, now = new Date()): Promise<LookupResult[]> {
  const seen = new Set<string>();
  const checked: { value: string; kind: LookupKind; ok: boolean }[] = [];
  for (const match of text.matchAll(TOKEN_LIKE)) {
    if (seen.has(match[0])) continue;
    seen.add(match[0]);
    const kind = match[0].startsWith(SERVICE_KEY_PREFIX) ? "service-key" : "token";
    const ok = (kind === "token" ? checkTokenFormat : checkServiceKeyFormat)(match[0]).ok;
    checked.push({ value: match[0], kind, ok });
    if (checked.length >= MAX_LOOKUP_CANDIDATES) break;
  }
  // Each lookup is audited, so the lookups are a write: made while the caller is still an admin.
  return asAdmin(
    actor,
    fromOrgId,
    async (tx) => {
      const results: LookupResult[] = [];
      for (const { value, kind, ok } of checked) {
        const candidate = kind === "token" ? maskToken(value.slice(-4)) : maskServiceKey(value.slice(-4));
        if (!ok) {
          results.push({ candidate, kind, found: false, reason: "checksum" });
          continue;
        }
        if (kind === "service-key") {
          results.push(await lookupServiceKey(tx, actor, fromOrgId, value, candidate));
          continue;
        }
        const row = await tx.apiTokenValue.findFirst({
          where: {
            hash: hashTokenValue(value),
            token: { org: { memberships: { some: { userId: actor.userId, role: { in: rolesWith("incidents:manage") } } } } },
          },
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
          results.push({ candidate, kind, found: false, reason: "not-found" });
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
          kind,
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

/**
 * A pasted verification key, looked up by hash among the services of the orgs where the user is
 * an admin (another org's key is "not found", as for tokens); audited like a token lookup. Only
 * the current key is kept (as its hash), so a rotated-out key, or one a leak report revoked, is
 * not found either.
 */
async function lookupServiceKey(tx: Tx, actor: UserActor, fromOrgId: string, value: string, candidate: string): Promise<LookupResult> {
  const service = await tx.service.findFirst({
    where: {
      keyHash: hashTokenValue(value),
      org: { memberships: { some: { userId: actor.userId, role: { in: rolesWith("incidents:manage") } } } },
    },
    select: {
      id: true,
      orgId: true,
      slug: true,
      name: true,
      disabledAt: true,
      keyLeakReportedAt: true,
      org: { select: { slug: true, name: true } },
    },
  });
  await recordAudit(tx, {
    orgId: service?.orgId ?? fromOrgId,
    actor: auditActorOf(actor),
    action: "service.key_lookup",
    ...(service ? { target: { type: "service", id: service.id } } : {}),
    metadata: service
      ? { found: true, lastFour: value.slice(-4), slug: service.slug, name: service.name }
      : { found: false, lastFour: value.slice(-4) },
    ip: actor.ip,
    userAgent: actor.userAgent,
  });
  if (!service) return { candidate, kind: "service-key", found: false, reason: "not-found" };
  const { id, slug, name, disabledAt, keyLeakReportedAt } = service;
  return { candidate, found: true, kind: "service-key", org: service.org, service: { id, slug, name, disabledAt, keyLeakReportedAt } };
}
