import { ENDPOINTS, type EndpointSpec } from "../../api/endpoints";
import { SCOPE_TREE, SCOPES, type Scope } from "../../tokens/scopes";

// Which of a token's scopes its recent calls needed, and the narrowest scope list that would
// still have allowed every one of them. Pure; the route → scope table is the REST API's own
// endpoint registry, so a new endpoint is accounted for without touching this file.

/** "GET /v0/report/list" → the scope that endpoint requires (null: any valid token may call it). */
const SCOPE_BY_ROUTE = new Map<string, Scope | null>(
  (Object.values(ENDPOINTS) as EndpointSpec[]).map((spec) => [`${spec.method} ${spec.path}`, spec.scope]),
);

export function scopeForRoute(route: string): Scope | null {
  return SCOPE_BY_ROUTE.get(route) ?? null;
}

const CHILDREN = new Map<Scope, Scope[]>(SCOPE_TREE.map((node) => [node.name, node.children.map((child) => child.name)]));
const PARENT = new Map<Scope, Scope | null>(SCOPES.map((scope) => [scope.name, scope.parent]));
const familyOf = (scope: Scope): Scope => PARENT.get(scope) ?? scope;

/** Managing tokens through the API only works within the scopes the caller holds itself (see lib/api/routes/tokens.ts). */
const DELEGATING_FAMILY: Scope = "api-tokens";

export type GrantedScopeUsage = {
  scope: Scope;
  /** The scope, or (for a parent) at least one of its children, was needed by a call. */
  used: boolean;
  /** For a parent scope: which of its children the calls needed. */
  usedChildren: Scope[];
};

export type ScopeUsageReport = {
  granted: GrantedScopeUsage[];
  /** Scopes the calls needed (leaf names, canonical order). */
  used: Scope[];
  /** The narrower list to switch to, or null when every granted scope was needed. */
  suggestion: Scope[] | null;
  /** True when other scopes were kept because the token manages tokens (it can only grant what it holds). */
  keptForDelegation: boolean;
};

/**
 * `routes` are the routes the token called successfully enough to count (refused 401/403 calls
 * excluded). A parent scope is kept whole only when every child was needed; otherwise it is
 * replaced by the children that were.
 */
export function scopeUsageReport(granted: readonly Scope[], routes: Iterable<string>): ScopeUsageReport {
  const used = new Set<Scope>();
  for (const route of routes) {
    const scope = scopeForRoute(route);
    if (scope) used.add(scope);
  }
  const delegates = [...used].some((scope) => familyOf(scope) === DELEGATING_FAMILY);
  const usedList = SCOPES.map((s) => s.name).filter((scope) => used.has(scope));

  const report: GrantedScopeUsage[] = [];
  const narrowed: Scope[] = [];
  let keptForDelegation = false;
  for (const scope of granted) {
    const children = CHILDREN.get(scope) ?? [];
    const usedChildren = children.filter((child) => used.has(child));
    const isUsed = used.has(scope) || usedChildren.length > 0;
    report.push({ scope, used: isUsed, usedChildren });

    if (delegates && familyOf(scope) !== DELEGATING_FAMILY) {
      // It may be granting this scope to tokens it creates or updates: not ours to remove.
      if (!isUsed) keptForDelegation = true;
      narrowed.push(scope);
    } else if (used.has(scope) || (children.length > 0 && usedChildren.length === children.length)) {
      narrowed.push(scope);
    } else {
      narrowed.push(...usedChildren);
    }
  }

  const canonical = SCOPES.map((s) => s.name).filter((scope) => narrowed.includes(scope));
  const grantedCanonical = SCOPES.map((s) => s.name).filter((scope) => granted.includes(scope));
  const changed = canonical.join(" ") !== grantedCanonical.join(" ");
  return { granted: report, used: usedList, suggestion: changed ? canonical : null, keptForDelegation };
}
