// Who may do what in an organization: the one role → permission table. Server actions declare
// the permission they need (lib/auth/action.ts, `orgAction(permission, …)`), every write re-checks
// it inside its transaction (lib/db/org-lock.ts, `inPermittedTransaction`), and the UI reads it
// only to hide or disable what the server would refuse anyway. Plain TypeScript: the REST API
// and the mutation layer run outside Next.js and use it too.

export const ORG_ROLES = ["ADMIN", "MEMBER"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const PERMISSIONS = {
  /** The organization-visible tokens, their settings and usage. */
  "tokens:view": ["ADMIN", "MEMBER"],
  /** Admin-only tokens too: admins see, and may copy, every token of their organization. */
  "tokens:view-admin-only": ["ADMIN"],
  /** Copy (reveal) the value of a token one may see; every copy is audited. */
  "tokens:reveal": ["ADMIN", "MEMBER"],
  /** Create, edit, rotate, disable, enable, revoke tokens, and end grace periods. */
  "tokens:manage": ["ADMIN"],
  "members:view": ["ADMIN", "MEMBER"],
  /** Roles, removals, invitations and who may join through GitHub. */
  "members:manage": ["ADMIN"],
  /** Leave the organization oneself (the last admin cannot: see member-mutations). */
  "org:leave": ["ADMIN", "MEMBER"],
  "usage:view": ["ADMIN", "MEMBER"],
  "audit:view": ["ADMIN"],
  /** The organization's repositories and their labels (tokens are granted against them). */
  "repos:view": ["ADMIN", "MEMBER"],
  /** Create, edit, archive and delete repositories; create, rename, delete and attach labels. */
  "repos:manage": ["ADMIN"],
  /** Bulk operations, token lookups, leak reports and the org's token policy. */
  "incidents:manage": ["ADMIN"],
  /** Register the org's own APIs (services), their scopes, routes and verification keys; disable, delete. */
  "services:manage": ["ADMIN"],
  /** Create, edit, pause, test and delete the org's webhooks, and read their delivery logs. */
  "webhooks:manage": ["ADMIN"],
} as const satisfies Record<string, readonly OrgRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: OrgRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly OrgRole[]).includes(role);
}

/** The roles that hold a permission, for queries that must choose memberships by it. */
export function rolesWith(permission: Permission): OrgRole[] {
  return [...PERMISSIONS[permission]];
}

/** Who holds a permission, in words (the security registry and SECURITY.md quote it). */
export function holdersOf(permission: Permission): string {
  const roles = rolesWith(permission);
  return roles.length === ORG_ROLES.length ? "org members" : roles.map((role) => ROLE_HOLDERS[role]).join(" and ");
}

const ROLE_HOLDERS: Record<OrgRole, string> = { ADMIN: "org admins", MEMBER: "org members" };
