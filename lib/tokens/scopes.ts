import { parentScopeName, treeGrants } from "./scope-tree";

/** Display order is canonical order: parsing, storage and UI all follow it. */
export const SCOPE_NAMES = [
  "report",
  "report:list",
  "report:read",
  "report:write",
  "repo",
  "repo:list",
  "repo:read",
  "repo:write",
  "repo-label",
  "repo-label:list",
  "repo-label:create",
  "repo-label:update",
  "repo-label:delete",
  "api-tokens",
  "api-tokens:list",
  "api-tokens:create",
  "api-tokens:update",
  "api-tokens:rotate",
  "api-tokens:revoke",
  "audit-log",
  "audit-log:list",
  "telemetry-policy",
  "telemetry-policy:update",
  "webhooks",
  "webhooks:list",
  "webhooks:create",
  "webhooks:update",
  "webhooks:delete",
] as const;

export type Scope = (typeof SCOPE_NAMES)[number];
export type ScopeDefinition = { name: Scope; description: string; parent: Scope | null };
export type ScopeTreeNode = ScopeDefinition & { children: readonly ScopeDefinition[] };
export type ScopeListResult = { ok: true; scopes: Scope[] } | { ok: false; unknown: string[] };

const DESCRIPTIONS: Record<Scope, string> = {
  report: "Grants all permissions provided by report:* scopes",
  "report:list": "List all reports the token has access to",
  "report:read": "Read the results of reports it has access to",
  "report:write": "Create reports",
  repo: "Grants all permissions provided by repo:* scopes",
  "repo:list": "List the git repositories associated with it",
  "repo:read": "Read a repository's details",
  "repo:write": "Create, update and delete repositories",
  "repo-label": "Grants all permissions provided by repo-label:* scopes",
  "repo-label:list": "List repository labels and read one",
  "repo-label:create": "Create repository labels",
  "repo-label:update": "Rename repository labels and attach them to or detach them from repositories",
  "repo-label:delete": "Delete repository labels",
  "api-tokens": "Grants all api-tokens:* scopes: manage tokens through the API",
  "api-tokens:list": "List the organization's API tokens (metadata only, never token values)",
  "api-tokens:create": "Create API tokens with at most the scopes this token holds",
  "api-tokens:update": "Change the name, description, scopes and quotas of API tokens",
  "api-tokens:rotate": "Replace an API token's value with a newly generated one",
  "api-tokens:revoke": "Revoke API tokens so they can no longer be used",
  "audit-log": "Grants all audit-log:* scopes",
  "audit-log:list": "List the organization's audit log (admin-only tokens: the log is for admins)",
  "telemetry-policy": "Grants all telemetry-policy:* scopes",
  "telemetry-policy:update": "Turn Socket clients' telemetry on or off for the organization (Keyward only counts the events)",
  webhooks: "Grants all webhooks:* scopes",
  "webhooks:list": "List and view the organization's webhooks (never their secrets)",
  "webhooks:create": "Create webhooks that receive the organization's events",
  "webhooks:update": "Change a webhook's URL, events, headers or secret",
  "webhooks:delete": "Delete webhooks",
};

const SCOPE_SET: ReadonlySet<string> = new Set(SCOPE_NAMES);

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && SCOPE_SET.has(value);
}

function parentOf(name: Scope): Scope | null {
  const parent = parentScopeName(name);
  return isScope(parent) ? parent : null;
}

export const SCOPES: readonly ScopeDefinition[] = SCOPE_NAMES.map((name) => ({
  name,
  description: DESCRIPTIONS[name],
  parent: parentOf(name),
}));

export const SCOPE_TREE: readonly ScopeTreeNode[] = SCOPES.filter((scope) => scope.parent === null).map((root) => ({
  ...root,
  children: SCOPES.filter((scope) => scope.parent === root.name),
}));

const CHILDREN = new Map<Scope, readonly Scope[]>(SCOPE_TREE.map((node) => [node.name, node.children.map((child) => child.name)]));

/** Accepts "a b", "a,b", "a, b" or an array; trims, dedupes and returns canonical order. */
export function parseScopeList(input: string | readonly string[]): ScopeListResult {
  const parts = typeof input === "string" ? input.split(/[\s,]+/) : input.map((part) => String(part).trim());
  const names = new Set(parts.filter((part) => part !== ""));
  const unknown = [...names].filter((name) => !isScope(name));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, scopes: canonical(names) };
}

export function serializeScopes(scopes: readonly Scope[]): string {
  return canonical(new Set(scopes)).join(" ");
}

/** Unknown names (e.g. a scope removed in a later release) are dropped rather than trusted. */
export function deserializeScopes(stored: string): Scope[] {
  return canonical(new Set((stored ?? "").split(/[\s,]+/)));
}

/** Exact match, or a granted parent covers its own children (the rule of every scope tree, scope-tree.ts). */
export function scopeGrants(granted: readonly string[], required: Scope): boolean {
  return treeGrants(granted, required);
}

export function expandScopes(granted: readonly string[]): Scope[] {
  return SCOPE_NAMES.filter((scope) => scopeGrants(granted, scope));
}

/** Used so a token can never mint or grant a token with more power than itself. */
export function scopesCovered(granted: readonly string[], requested: readonly Scope[]): boolean {
  return requested.every((scope) => scopeGrants(granted, scope) || holdsEveryChild(granted, scope));
}

// A parent is exactly the union of its children, so holding every child covers requesting the parent.
function holdsEveryChild(granted: readonly string[], parent: Scope): boolean {
  const children = CHILDREN.get(parent) ?? [];
  return children.length > 0 && children.every((child) => scopeGrants(granted, child));
}

function canonical(names: ReadonlySet<string>): Scope[] {
  return SCOPE_NAMES.filter((scope) => names.has(scope));
}
