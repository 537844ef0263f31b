// Re-checking the caller's role inside the transaction that makes a change. The action wrapper
// (lib/auth/action.ts) checks membership before the change starts; an admin removed or demoted in
// the meantime must not get to finish it.
import { db, type Db } from "./client";

type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$extends" | "$transaction">;

export type OrgRoleName = "ADMIN" | "MEMBER";

/**
 * Serializes with membership changes of one org: a no-op write on the org row, which PostgreSQL
 * holds as a row lock until commit (SQLite transactions already take the write lock at BEGIN).
 * Every statement after it sees the other transactions' committed changes, so counting admins
 * or re-checking the caller's role here cannot race a concurrent demotion or removal.
 */
export async function lockOrgMemberships(tx: Pick<Tx, "$executeRaw">, orgId: string): Promise<boolean> {
  const locked = await tx.$executeRaw`UPDATE "Org" SET "id" = "id" WHERE "id" = ${orgId}`;
  return locked === 1;
}

/** The caller's role in the org as committed now (after lockOrgMemberships), or null if not a member. */
export async function roleInTransaction(tx: Pick<Tx, "membership">, orgId: string, userId: string): Promise<OrgRoleName | null> {
  const membership = await tx.membership.findUnique({ where: { userId_orgId: { userId, orgId } }, select: { role: true } });
  return membership?.role ?? null;
}

/** The caller lost the role a change needs while the request was under way; nothing was written. */
export class RoleChangedError extends Error {
  constructor(readonly stillMember: boolean) {
    super(stillMember ? "Only organization admins can do this." : "Not found.");
    this.name = "RoleChangedError";
  }
}

/** Locks the org's memberships and throws RoleChangedError unless the user still has one of `roles`. */
export async function assertRoleInTransaction(
  tx: Pick<Tx, "$executeRaw" | "membership">,
  orgId: string,
  userId: string,
  roles: readonly OrgRoleName[],
): Promise<void> {
  if (!(await lockOrgMemberships(tx, orgId))) throw new RoleChangedError(false);
  const role = await roleInTransaction(tx, orgId, userId);
  if (role === null) throw new RoleChangedError(false);
  if (!roles.includes(role)) throw new RoleChangedError(true);
}

/**
 * Runs a change a person makes for an org in a transaction that first re-checks, under the org
 * lock, that they still have one of `roles` (RoleChangedError otherwise, nothing written).
 */
export async function inRoleCheckedTransaction<T>(
  userId: string,
  orgId: string,
  roles: readonly OrgRoleName[],
  change: (tx: Tx) => Promise<T>,
  options: { maxWait?: number; timeout?: number } = {},
): Promise<T> {
  return db.$transaction(async (tx) => {
    await assertRoleInTransaction(tx, orgId, userId, roles);
    return change(tx);
  }, options);
}
