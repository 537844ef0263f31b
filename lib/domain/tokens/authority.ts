import { scopesCovered, type Scope } from "../../tokens/scopes";
import { can, type OrgRole, type Permission } from "../members/policy";
import { serviceScopesCovered } from "../services/scopes";
import { networksWithin } from "./networks";

// What a token may do to tokens (SECURITY.md, "Tokens acting on tokens"). A token that manages
// tokens acts for the admin it was made for, and can never give anyone more than that admin,
// or the token itself, has. People are authorized by role (lib/auth/permissions.ts); this is
// the rule for tokens, enforced inside the transaction of every token change
// (lib/db/token-mutations.ts), so the API cannot reach a change without it.

export type Visibility = "ADMIN_ONLY" | "ORGANIZATION";

/** What a token grants whoever holds its value. */
export type TokenGrant = {
  scopes: readonly Scope[];
  /** Scopes of the org's own services, "<slug>/<scope>" (lib/domain/services/scopes.ts). */
  serviceScopes: readonly string[];
  quotaMax: number;
  /** Null: never expires. */
  expiresAt: Date | null;
  visibility: Visibility;
  /** CIDR ranges it may be used from; empty: anywhere. */
  allowedNetworks: readonly string[];
};

/** The token making a call, as read inside the change's transaction. */
export type ActingToken = TokenGrant & {
  id: string;
  /** The value presented was rotated out (it may still work for ordinary calls during its grace period). */
  valueReplaced: boolean;
  /** The admin it acts for is still an admin of the organization. */
  actsForAnAdmin: boolean;
};

export type TokenChange =
  | { kind: "create"; grant: TokenGrant }
  | { kind: "update"; target: TokenGrant & { id: string; quotaWindow: string }; patch: Partial<TokenGrant & { quotaWindow: string }> }
  /** Rotating hands the caller the target's new value. */
  | { kind: "rotate"; target: TokenGrant & { id: string } }
  /** Reading the target's value (the API's `token_values=include`). */
  | { kind: "reveal"; target: TokenGrant & { id: string } }
  | { kind: "revoke"; target: { id: string; visibility: Visibility } }
  /** Changes the API does not offer to tokens (disable, end grace…). */
  | { kind: "other"; target: { id: string; visibility: Visibility } };

export type AuthorityRule =
  "inactive-token" | "replaced-value" | "former-admin" | "admin-only-target" | "wider-target" | "no-widening" | "not-for-tokens";

export type AuthorityRefusal = { rule: AuthorityRule; message: string; details: Record<string, unknown> };

/**
 * Whether a token still acts for an admin: the person it acts for (onBehalfOfId) is an admin of
 * the organization now. Null (the person was deleted, or the token predates the rule) is not.
 * Used inside token changes (management refused otherwise) and by the dashboard ("Created by a
 * former admin").
 */
export const actsForAnAdmin = (onBehalfOfId: string | null, isAdmin: (userId: string) => boolean): boolean =>
  onBehalfOfId !== null && isAdmin(onBehalfOfId);

/** Holds a token-management scope (api-tokens or one of its children): the scopes a former admin's token loses. */
export const holdsTokenManagementScope = (scopes: readonly Scope[]): boolean =>
  scopes.some((scope) => scope === "api-tokens" || scope.startsWith("api-tokens:"));

const VISIBILITY_RANK: Record<Visibility, number> = { ADMIN_ONLY: 0, ORGANIZATION: 1 };

/** Whom a token's holders are, for "who sees a token": members can use an organization-visible token. */
export const seesAs = (actor: { visibility: Visibility }): "ADMIN" | "MEMBER" => (actor.visibility === "ORGANIZATION" ? "MEMBER" : "ADMIN");

/** Why a token may not use one of an admin's powers (see adminPowerRefusal). */
export type AdminPowerRefusal = "member-usable-token" | "former-admin";

/**
 * Whether a token may use one of an admin's powers (`audit:view`, `webhooks:manage`): only as far
 * as everyone who can hold its value could in the dashboard (an organization-visible token — any
 * member can copy it — acts as a member), and only while the person it acts for still holds the
 * permission (authority ends with the person: a removed or demoted admin's copy of an admin-only
 * token loses it at once). `onBehalfOfRole` is that person's role now, null when not a member.
 */
export function adminPowerRefusal(
  token: { visibility: Visibility; onBehalfOfRole: OrgRole | null },
  permission: Permission,
): AdminPowerRefusal | null {
  if (!can(seesAs(token), permission)) return "member-usable-token";
  if (token.onBehalfOfRole === null || !can(token.onBehalfOfRole, permission)) return "former-admin";
  return null;
}

/** Organization-visible is broader than admin-only: every member can copy it. */
export const visibilityWithin = (inner: Visibility, outer: Visibility): boolean => VISIBILITY_RANK[inner] <= VISIBILITY_RANK[outer];

/** A later expiry is wider; no expiry is the widest. */
export const expiryWithin = (inner: Date | null, outer: Date | null): boolean =>
  outer === null || (inner !== null && inner.getTime() <= outer.getTime());

/** The parts of `grant` that exceed `bound`, by field name (empty: it is within). */
export function widerFields(grant: Partial<TokenGrant>, bound: TokenGrant): Partial<Record<keyof TokenGrant, unknown>> {
  const wider: Partial<Record<keyof TokenGrant, unknown>> = {};
  if (grant.scopes !== undefined && !scopesCovered(bound.scopes, grant.scopes)) {
    wider.scopes = grant.scopes.filter((scope) => !scopesCovered(bound.scopes, [scope]));
  }
  if (grant.serviceScopes !== undefined && !serviceScopesCovered(bound.serviceScopes, grant.serviceScopes)) {
    wider.serviceScopes = grant.serviceScopes.filter((ref) => !serviceScopesCovered(bound.serviceScopes, [ref]));
  }
  if (grant.quotaMax !== undefined && grant.quotaMax > bound.quotaMax) wider.quotaMax = grant.quotaMax;
  if (grant.expiresAt !== undefined && !expiryWithin(grant.expiresAt, bound.expiresAt))
    wider.expiresAt = grant.expiresAt?.toISOString() ?? null;
  if (grant.visibility !== undefined && !visibilityWithin(grant.visibility, bound.visibility)) wider.visibility = grant.visibility;
  if (grant.allowedNetworks !== undefined && !networksWithin(grant.allowedNetworks, bound.allowedNetworks)) {
    wider.allowedNetworks = grant.allowedNetworks.length === 0 ? "any address" : grant.allowedNetworks;
  }
  return wider;
}

function changedFields(patch: Partial<TokenGrant>, target: TokenGrant): Partial<TokenGrant> {
  const changed: Partial<TokenGrant> = {};
  if (patch.scopes !== undefined && !sameList(patch.scopes, target.scopes)) changed.scopes = patch.scopes;
  if (patch.serviceScopes !== undefined && !sameList(patch.serviceScopes, target.serviceScopes))
    changed.serviceScopes = patch.serviceScopes;
  if (patch.quotaMax !== undefined && patch.quotaMax !== target.quotaMax) changed.quotaMax = patch.quotaMax;
  if (patch.expiresAt !== undefined && (patch.expiresAt?.getTime() ?? null) !== (target.expiresAt?.getTime() ?? null))
    changed.expiresAt = patch.expiresAt;
  if (patch.visibility !== undefined && patch.visibility !== target.visibility) changed.visibility = patch.visibility;
  if (patch.allowedNetworks !== undefined && !sameList(patch.allowedNetworks, target.allowedNetworks))
    changed.allowedNetworks = patch.allowedNetworks;
  return changed;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join(" ") === [...b].sort().join(" ");

const FIELD_WORDS: Record<keyof TokenGrant, string> = {
  scopes: "scopes it does not hold",
  serviceScopes: "service scopes it does not hold",
  quotaMax: "a quota above its own",
  expiresAt: "an expiry later than its own",
  visibility: "a visibility broader than its own",
  allowedNetworks: "networks outside its own",
};

function describe(fields: Partial<Record<keyof TokenGrant, unknown>>): string {
  return (Object.keys(fields) as (keyof TokenGrant)[]).map((field) => FIELD_WORDS[field]).join(", ");
}

/**
 * Any token-management call at all: refused for a value that was rotated out, and for a token
 * whose admin has been removed or demoted (its other scopes keep working until an admin decides).
 */
export function managementRefusal(actor: ActingToken): AuthorityRefusal | null {
  if (actor.valueReplaced) {
    return {
      rule: "replaced-value",
      message: "This token value was replaced by a rotation: it cannot manage tokens. Use the token's current value.",
      details: { tokenId: actor.id },
    };
  }
  if (!actor.actsForAnAdmin) {
    return {
      rule: "former-admin",
      message:
        "This token was created by a former admin: its token-management scopes no longer work. An admin can create a new token to take over this work.",
      details: { tokenId: actor.id },
    };
  }
  return null;
}

/**
 * Whether `actor` may make `change`; null when it may. The rules:
 * - a token members can use (organization-visible) never acts on, creates or leaves behind an admin-only token;
 * - nothing created or set is wider than the acting token (scopes, quota, expiry, visibility, networks),
 *   which also means no token widens itself;
 * - values (rotate, reveal) only of tokens that can do no more than the acting token;
 * - a token may always revoke itself, and any token it can see.
 */
export function refusalOf(actor: ActingToken, change: TokenChange): AuthorityRefusal | null {
  const general = managementRefusal(actor);
  if (general) return general;

  const memberUsable = actor.visibility === "ORGANIZATION";
  const adminOnly = (id: string | null): AuthorityRefusal => ({
    rule: "admin-only-target",
    message: "An organization-visible token cannot act on admin-only tokens: every member can use it.",
    details: id ? { targetId: id } : {},
  });

  switch (change.kind) {
    case "create": {
      if (memberUsable && change.grant.visibility === "ADMIN_ONLY") return adminOnly(null);
      const wider = widerFields(change.grant, actor);
      return Object.keys(wider).length > 0 ? widening(`create a token with ${describe(wider)}`, wider) : null;
    }
    case "update": {
      if (memberUsable && (change.target.visibility === "ADMIN_ONLY" || change.patch.visibility === "ADMIN_ONLY")) {
        return adminOnly(change.target.id);
      }
      if (!scopesCovered(actor.scopes, change.target.scopes) || !serviceScopesCovered(actor.serviceScopes, change.target.serviceScopes)) {
        return widerTarget(change.target.id, "change");
      }
      // A new window length starts a full window: a token could refill a spent quota at will.
      if (change.patch.quotaWindow !== undefined && change.patch.quotaWindow !== change.target.quotaWindow) {
        return widening("change a token's quota window (a new window refills the quota)", { quotaWindow: change.patch.quotaWindow });
      }
      // Fields sent unchanged (clients often send the whole token back) widen nothing.
      const wider = widerFields(changedFields(change.patch, change.target), actor);
      return Object.keys(wider).length > 0 ? widening(`give a token ${describe(wider)}`, wider) : null;
    }
    case "rotate":
    case "reveal": {
      if (memberUsable && change.target.visibility === "ADMIN_ONLY") return adminOnly(change.target.id);
      // Visibility says who may hold a value, and that was just decided: an admin-only token's
      // holders may see what members see. The rest bounds what the value can do.
      const { visibility: _visibility, ...power } = change.target;
      const wider = widerFields(power, actor);
      return Object.keys(wider).length > 0
        ? widerTarget(change.target.id, change.kind === "rotate" ? "rotate" : "see the value of", wider)
        : null;
    }
    case "revoke":
      if (change.target.id === actor.id) return null;
      return memberUsable && change.target.visibility === "ADMIN_ONLY" ? adminOnly(change.target.id) : null;
    case "other":
      return { rule: "not-for-tokens", message: "Tokens cannot make this change.", details: { targetId: change.target.id } };
  }
}

function widening(what: string, wider: Record<string, unknown>): AuthorityRefusal {
  return { rule: "no-widening", message: `A token cannot ${what}.`, details: { wider } };
}

function widerTarget(targetId: string, verb: string, wider?: Partial<Record<keyof TokenGrant, unknown>>): AuthorityRefusal {
  return {
    rule: "wider-target",
    message: `A token cannot ${verb} a token that grants more than it does${wider ? ` (${describe(wider)})` : " (scopes it does not hold)"}.`,
    details: { targetId, ...(wider ? { wider } : {}) },
  };
}

/** The rule's error: the API answers 403 with its message and `{ rule, ...details }`. */
export class TokenAuthorityError extends Error {
  override name = "TokenAuthorityError";
  readonly rule: AuthorityRule;
  readonly details: Record<string, unknown>;
  constructor(refusal: AuthorityRefusal) {
    super(refusal.message);
    this.rule = refusal.rule;
    this.details = refusal.details;
  }
}

export function isTokenAuthorityError(error: unknown): error is TokenAuthorityError {
  return error instanceof TokenAuthorityError;
}
