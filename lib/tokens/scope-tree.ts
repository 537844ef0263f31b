// The one grant rule for every scope tree: Keyward's own scopes (scopes.ts) and each service's
// (lib/domain/services/scopes.ts). A scope's parent is its name up to the last ":", so
// "invoices" is the parent of "invoices:read", which is the parent of "invoices:read:drafts".

/** The parent by notation ("a:b" -> "a"), or null for a root. */
export function parentScopeName(name: string): string | null {
  const separator = name.lastIndexOf(":");
  return separator <= 0 ? null : name.slice(0, separator);
}

/** Exact match, or a granted ancestor covers its descendants; never child→parent or sibling→sibling. */
export function treeGrants(granted: readonly string[], required: string): boolean {
  for (let name: string | null = required; name !== null; name = parentScopeName(name)) {
    if (granted.includes(name)) return true;
  }
  return false;
}
