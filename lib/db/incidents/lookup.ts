import { rolesWith } from "../../domain/members/policy";
import { checkTokenFormat, deserializeScopes, hashTokenValue, maskToken, type Scope } from "../../tokens";
import { recordAudit } from "../audit";
import { displayStatus, type TokenDisplayStatus, type TokenVisibility } from "../token-dto";
import { asAdmin, auditActorOf, type UserActor } from "./shared";

// "Which token is this?": finding pasted tokens across the orgs the user administers.

export type LookupMatch = {
  /** What was pasted, masked: "kw_…abcd". */
  candidate: string;
  found: true;
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

export type LookupResult =
  | LookupMatch
  | { candidate: string; found: false; reason: "not-found" }
  /** Looks like a Keyward token but fails the checksum: a typo or a truncated copy. */
  | { candidate: string; found: false; reason: "checksum" };

/** At most this many tokens are looked up from one paste. */
export const MAX_LOOKUP_CANDIDATES = 20;
const TOKEN_LIKE = /\bkw_[0-9A-Za-z]{8,64}\b/g;

/**
 * Finds the tokens in pasted text (checksum first: typos are rejected without a database hit),
 * then looks each up by hash in the orgs where the user is an admin — a token of any other org is
 * "not found", the same as no token. Every lookup is audited: a match in its own org, a miss in
 * the org the lookup was made from.
 */
export async function lookupTokens(actor: UserActor, fromOrgId: string, text: string, now = new Date()): Promise<LookupResult[]> {
  const seen = new Set<string>();
  const checked: { value: string; ok: boolean }[] = [];
  for (const match of text.matchAll(TOKEN_LIKE)) {
    if (seen.has(match[0])) continue;
    seen.add(match[0]);
    checked.push({ value: match[0], ok: checkTokenFormat(match[0]).ok });
    if (checked.length >= MAX_LOOKUP_CANDIDATES) break;
  }
  // Each lookup is audited, so the lookups are a write: made while the caller is still an admin.
  return asAdmin(
    actor,
    fromOrgId,
    async (tx) => {
      const results: LookupResult[] = [];
      for (const { value, ok } of checked) {
        const candidate = maskToken(value.slice(-4));
        if (!ok) {
          results.push({ candidate, found: false, reason: "checksum" });
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
          results.push({ candidate, found: false, reason: "not-found" });
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
