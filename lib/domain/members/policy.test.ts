import { describe, expect, it } from "vitest";

import { can, holdersOf, ORG_ROLES, PERMISSIONS, rolesWith, type OrgRole, type Permission } from "./policy";

// The table written out again, on purpose: a change to who may do what must change this test too.
const EXPECTED: Record<Permission, Record<OrgRole, boolean>> = {
  "tokens:view": { ADMIN: true, MEMBER: true },
  "tokens:view-admin-only": { ADMIN: true, MEMBER: false },
  "tokens:reveal": { ADMIN: true, MEMBER: true },
  "tokens:manage": { ADMIN: true, MEMBER: false },
  "members:view": { ADMIN: true, MEMBER: true },
  "members:manage": { ADMIN: true, MEMBER: false },
  "org:leave": { ADMIN: true, MEMBER: true },
  "usage:view": { ADMIN: true, MEMBER: true },
  "audit:view": { ADMIN: true, MEMBER: false },
  "incidents:manage": { ADMIN: true, MEMBER: false },
  "services:manage": { ADMIN: true, MEMBER: false },
  "repos:view": { ADMIN: true, MEMBER: true },
  "repos:manage": { ADMIN: true, MEMBER: false },
  "webhooks:manage": { ADMIN: true, MEMBER: false },
};

const permissions = Object.keys(PERMISSIONS) as Permission[];

describe("the role → permission table", () => {
  it("lists exactly the permissions this test expects", () => {
    expect(permissions.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(permissions.flatMap((permission) => ORG_ROLES.map((role) => [permission, role] as const)))("%s for %s", (permission, role) => {
    expect(can(role, permission)).toBe(EXPECTED[permission][role]);
  });

  it("names the holders of each permission as can() decides them", () => {
    for (const permission of permissions) {
      expect(rolesWith(permission)).toEqual(ORG_ROLES.filter((role) => can(role, permission)));
      expect(holdersOf(permission)).toBe(can("MEMBER", permission) ? "org members" : "org admins");
    }
  });

  it("gives members nothing an admin lacks", () => {
    for (const permission of permissions) if (can("MEMBER", permission)) expect(can("ADMIN", permission), permission).toBe(true);
  });
});
