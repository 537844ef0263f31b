// Re-checking the caller's permission inside the transaction that makes a change. The action
// wrapper (lib/auth/action.ts) checks it before the change starts; a person removed or demoted
// in the meantime must not get to finish it.
import { can, type OrgRole, type Permission } from "../domain/members/policy";
import { db, type Db } from "./client";

type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$extends" | "$transaction">;

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
export async function roleInTransaction(tx: Pick<Tx, "membership">, orgId: string, userId: string): Promise<OrgRole | null> {
  return readRole(tx, orgId, userId);
}

/**
 * A person's role in the org as committed when read, or null if not a member; outside any
 * transaction, so only for deciding a read (the audit log, whether to resume an incident): a
 * change re-checks the role in its own transaction (inPermittedTransaction).
 */
export async function currentRole(orgId: string, userId: string): Promise<OrgRole | null> {
  return readRole(db, orgId, userId);
}

async function readRole(client: Pick<Tx, "membership">, orgId: string, userId: string): Promise<OrgRole | null> {
  const membership = await client.membership.findUnique({ where: { userId_orgId: { userId, orgId } }, select: { role: true } });
  return membership?.role ?? null;
}

/**
 * The caller lost the permission a change needs while the request was under way; nothing was
 * written. Still a member (demoted): the action answers FORBIDDEN; removed: NOT_FOUND, as for
 * anyone outside the org.
 */
export class RoleChangedError extends Error {
  constructor(readonly stillMember: boolean) {
    super(stillMember ? "Only organization admins can do this." : "Not found.");
    this.name = "RoleChangedError";
  }
}

/**
 * Runs a change a person makes for an org in a transaction that first locks the org's
 * memberships and re-reads their role, and goes on only if that role still has `permission`
 * (RoleChangedError otherwise, nothing written). The one way every write made for a person
 * starts; `change` gets the role as committed now.
 */
export async function inPermittedTransaction<T>(
  actor: { userId: string },
  orgId: string,
  permission: Permission,
  change: (tx: Tx, role: OrgRole) => Promise<T>,
  options: { maxWait?: number; timeout?: number } = {},
): Promise<T> {
  return db.$transaction(async (tx) => {
    if (!(await lockOrgMemberships(tx, orgId))) throw new RoleChangedError(false);
    const role = await roleInTransaction(tx, orgId, actor.userId);
    if (role === null) throw new RoleChangedError(false);
    if (!can(role, permission)) throw new RoleChangedError(true);
    return change(tx, role);
  }, options);
}
