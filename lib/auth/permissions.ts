// The one role → permission table. The server enforces it; the UI reads it only to hide
// or disable what the server would refuse anyway.
export type OrgRole = "ADMIN" | "MEMBER";

export const PERMISSIONS = {
  "tokens:view": ["ADMIN", "MEMBER"],
  "tokens:manage": ["ADMIN"],
  "members:view": ["ADMIN", "MEMBER"],
  "members:manage": ["ADMIN"],
  "usage:view": ["ADMIN", "MEMBER"],
  "audit:view": ["ADMIN"],
  "incidents:manage": ["ADMIN"],
} as const satisfies Record<string, readonly OrgRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: OrgRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly OrgRole[]).includes(role);
}
