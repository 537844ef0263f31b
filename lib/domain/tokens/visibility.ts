import type { Visibility } from "./authority";

// Who sees a token: admins see every token of their organization, members only the
// organization-visible ones. A token acting through the API sees as its holders would
// (`seesAs` in ./authority.ts). The in-memory rule and its Prisma `where` form sit together.

export type ViewerRole = "ADMIN" | "MEMBER";

export const visibleTo = (role: ViewerRole) => (token: { visibility: Visibility }): boolean =>
  role === "ADMIN" || token.visibility === "ORGANIZATION";

/** The same rule as a Prisma `where`, scoped to the organization. */
export function visibleTokensWhere(orgId: string, role: ViewerRole) {
  return role === "ADMIN" ? { orgId } : { orgId, visibility: "ORGANIZATION" as const };
}
