import { can, type OrgRole } from "../members/policy";
import type { Visibility } from "./authority";

// Who sees a token: admins see every token of their organization, members only the
// organization-visible ones. A token acting through the API sees as its holders would
// (`seesAs` in ./authority.ts). The rule in three forms — in memory, Prisma `where`, SQL —
// written together here; tests/integration/token-visibility-forms.test.ts checks that the
// three choose the same rows on SQLite and PostgreSQL.

export type ViewerRole = OrgRole;

/** Whether the role sees every token, admin-only ones included (the permission table decides). */
const seesAll = (role: ViewerRole): boolean => can(role, "tokens:view-admin-only");

/** The one visibility members see; admins see every token. The three forms below are written from it. */
const MEMBER_VISIBLE: Visibility & "ORGANIZATION" = "ORGANIZATION";

export const visibleTo =
  (role: ViewerRole) =>
  (token: { visibility: Visibility }): boolean =>
    seesAll(role) || token.visibility === MEMBER_VISIBLE;

/** The same rule as a Prisma `where`, scoped to the organization. */
export function visibleTokensWhere(orgId: string, role: ViewerRole) {
  return seesAll(role) ? { orgId } : { orgId, visibility: MEMBER_VISIBLE };
}

/**
 * The same rule as an SQL condition on the `ApiToken` row named `alias` (bare column names when
 * null); the caller scopes it to the organization. Constant text: it needs no parameter.
 */
export function visibleTokensSql(role: ViewerRole, alias: string | null = null): string {
  if (seesAll(role)) return "1 = 1";
  return `${alias === null ? "" : `${alias}.`}"visibility" = '${MEMBER_VISIBLE}'`;
}
