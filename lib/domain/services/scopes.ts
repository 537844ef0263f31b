import { parentScopeName, treeGrants } from "../../tokens/scope-tree";

// A service's scopes and how tokens hold them. A service declares its own tree ("invoices",
// "invoices:read"…); a token holds them as "<service slug>/<scope>" beside Keyward's scopes,
// e.g. "billing/invoices:read". The grant rule is Keyward's own (lib/tokens/scope-tree.ts):
// "billing/invoices" grants "billing/invoices:read", never the reverse.

export const SERVICE_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** Lowercase words joined by ":", at most three levels: "invoices", "invoices:read", "invoices:read:drafts". */
export const SERVICE_SCOPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}(?::[a-z][a-z0-9_-]{0,31}){0,2}$/;
export const MAX_SERVICE_SCOPES = 100;

export type ServiceScopeDefinition = { name: string; description: string; parent: string | null };
export type ServiceScopeTreeNode = ServiceScopeDefinition & { children: ServiceScopeTreeNode[] };
/** What a token's scope list is checked against: the organization's services and their scopes. */
export type KnownService = { slug: string; name?: string; scopes: readonly string[] };

export const isServiceSlug = (value: string): boolean => SERVICE_SLUG_PATTERN.test(value);
export const isServiceScopeName = (value: string): boolean => SERVICE_SCOPE_PATTERN.test(value);

/**
 * A service's declared scopes, from "invoices:read invoices:write" or lines of "name description".
 * Parents are implied ("invoices:read" adds "invoices") so every name has its whole tree: a route
 * can require "invoices" and an admin can grant it. Sorted so parents come before children.
 */
export function parseServiceScopeDefinitions(
  input: readonly { name: string; description?: string }[],
): { ok: true; scopes: ServiceScopeDefinition[] } | { ok: false; invalid: string[] } {
  const invalid = input.map((scope) => scope.name.trim()).filter((name) => !isServiceScopeName(name));
  if (invalid.length > 0) return { ok: false, invalid: [...new Set(invalid)] };
  const descriptions = new Map<string, string>();
  for (const scope of input) {
    const name = scope.name.trim();
    for (let ancestor = parentScopeName(name); ancestor !== null; ancestor = parentScopeName(ancestor)) {
      if (!descriptions.has(ancestor)) descriptions.set(ancestor, "");
    }
    const description = (scope.description ?? "").trim();
    if (description !== "" || !descriptions.has(name)) descriptions.set(name, description);
  }
  const scopes = [...descriptions.keys()]
    .sort()
    .map((name) => ({ name, description: descriptions.get(name) ?? "", parent: parentScopeName(name) }));
  return { ok: true, scopes };
}

/** The tree for display: roots in name order, each with its children. */
export function serviceScopeTree(scopes: readonly ServiceScopeDefinition[]): ServiceScopeTreeNode[] {
  const nodes = new Map(scopes.map((scope) => [scope.name, { ...scope, children: [] as ServiceScopeTreeNode[] }]));
  const roots: ServiceScopeTreeNode[] = [];
  for (const node of [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const parent = node.parent === null ? undefined : nodes.get(node.parent);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** "billing" + "invoices:read" → "billing/invoices:read". */
export const serviceScopeRef = (slug: string, scope: string): string => `${slug}/${scope}`;

export function parseServiceScopeRef(ref: string): { slug: string; scope: string } | null {
  const slash = ref.indexOf("/");
  if (slash === -1) return null;
  const slug = ref.slice(0, slash);
  const scope = ref.slice(slash + 1);
  return isServiceSlug(slug) && isServiceScopeName(scope) ? { slug, scope } : null;
}

/**
 * A token's service scopes, checked against the organization's services: unknown services or
 * scopes are refused (typos must not silently grant nothing). Trims, dedupes, sorts.
 */
export function parseServiceScopeList(
  input: string | readonly string[],
  known: readonly KnownService[],
): { ok: true; scopes: string[] } | { ok: false; unknown: string[] } {
  const parts = typeof input === "string" ? input.split(/[\s,]+/) : input.map((part) => String(part).trim());
  const refs = [...new Set(parts.filter((part) => part !== ""))];
  const scopesBySlug = new Map(known.map((service) => [service.slug, new Set(service.scopes)]));
  const unknown = refs.filter((ref) => {
    const parsed = parseServiceScopeRef(ref);
    return parsed === null || !scopesBySlug.get(parsed.slug)?.has(parsed.scope);
  });
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, scopes: refs.sort() };
}

export function serializeServiceScopes(refs: readonly string[]): string {
  return [...new Set(refs)].sort().join(" ");
}

/** Malformed entries are dropped rather than trusted. */
export function deserializeServiceScopes(stored: string | null | undefined): string[] {
  return [...new Set((stored ?? "").split(/\s+/))].filter((ref) => parseServiceScopeRef(ref) !== null).sort();
}

/** Whether a token holding `granted` (refs) may call `scope` of the service `slug`. */
export function serviceScopeGrants(granted: readonly string[], slug: string, scope: string): boolean {
  return treeGrants(granted, serviceScopeRef(slug, scope));
}

/**
 * Used so a token never grants a service scope it does not hold (lib/domain/tokens/authority.ts).
 * Unlike Keyward's scopes, holding every child does not cover the parent: a service may give its
 * parent scope a meaning of its own (a route can require "invoices" itself).
 */
export function serviceScopesCovered(granted: readonly string[], requested: readonly string[]): boolean {
  return requested.every((ref) => treeGrants(granted, ref));
}

/** The service-local names a token holds for `slug` ("billing/invoices:read" → "invoices:read"). */
export function scopesForService(granted: readonly string[], slug: string): string[] {
  const prefix = `${slug}/`;
  return granted.filter((ref) => ref.startsWith(prefix)).map((ref) => ref.slice(prefix.length));
}

/** A token's refs without any of `slug`'s: what deleting the service leaves on the token. */
export function withoutService(granted: readonly string[], slug: string): string[] {
  const prefix = `${slug}/`;
  return granted.filter((ref) => !ref.startsWith(prefix));
}

/** A token's refs without scopes the service no longer declares: what editing its scopes leaves. */
export function withinServiceScopes(granted: readonly string[], slug: string, declared: readonly string[]): string[] {
  const prefix = `${slug}/`;
  const kept = new Set(declared);
  return granted.filter((ref) => !ref.startsWith(prefix) || kept.has(ref.slice(prefix.length)));
}

/**
 * The scopes an edit takes away: those the service declares now that the new definition (with
 * its implied parents) no longer does. The server takes them off every token; the edit form asks
 * before saving. Empty when the new list is not valid (the save is refused anyway).
 */
export function removedServiceScopes(current: readonly string[], next: readonly { name: string }[]): string[] {
  const parsed = parseServiceScopeDefinitions(next);
  if (!parsed.ok) return [];
  const declared = new Set(parsed.scopes.map((scope) => scope.name));
  return current.filter((name) => !declared.has(name));
}
