// Every change to who belongs to an org: invitations, joining, roles, removal. Each change and
// its audit event commit together. No Next.js imports: the GitHub sign-in callback uses it too.
import { randomUUID } from "node:crypto";

import { hashInvitationSecret, invitationExpiry, newInvitationSecret } from "../auth/invitation-secret";
import type { OrgRole } from "../auth/permissions";
import type { Invitee } from "../validations/member";
import { recordAudit, type AuditActor } from "./audit";
import { db, type Db } from "./client";
import { inPermittedTransaction } from "./org-lock";

/** A transaction's client. */
export type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$use" | "$extends" | "$transaction">;

/** Who makes a membership change, as the audit log records it. */
export type MemberActor = { userId: string; label: string; ip: string | null; userAgent: string | null };

// A caller who lost the permission meanwhile is not a refusal here: inPermittedTransaction throws
// RoleChangedError, which the action answers as it answers every other write (FORBIDDEN / NOT_FOUND).
type Refusal = "not_found" | "last_admin";
export type MembershipChangeResult = { ok: true; email: string } | { ok: false; reason: Refusal };

function auditActor(actor: MemberActor): AuditActor {
  return { type: "user", userId: actor.userId, label: actor.label };
}

async function otherAdminsExist(tx: Tx, orgId: string, userId: string): Promise<boolean> {
  return (await tx.membership.count({ where: { orgId, role: "ADMIN", userId: { not: userId } } })) > 0;
}

/** Runs a change to the org's members with the org locked and the caller's members:manage re-checked. */
function managingMembers<T>(actor: MemberActor, orgId: string, change: (tx: Tx) => Promise<T>): Promise<T> {
  return inPermittedTransaction(actor, orgId, "members:manage", change);
}

export async function changeMemberRole(actor: MemberActor, orgId: string, userId: string, role: OrgRole): Promise<MembershipChangeResult> {
  return managingMembers(actor, orgId, async (tx) => {
    const target = await tx.membership.findUnique({
      where: { userId_orgId: { userId, orgId } },
      select: { id: true, role: true, user: { select: { email: true } } },
    });
    if (!target) return { ok: false, reason: "not_found" };
    if (target.role === role) return { ok: true, email: target.user.email };
    if (target.role === "ADMIN" && !(await otherAdminsExist(tx, orgId, userId))) return { ok: false, reason: "last_admin" };
    await tx.membership.update({ where: { id: target.id }, data: { role } });
    await recordAudit(tx, {
      orgId,
      actor: auditActor(actor),
      action: "member.role_changed",
      target: { type: "user", id: userId },
      metadata: { email: target.user.email, before: target.role, after: role },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
    return { ok: true, email: target.user.email };
  });
}

/**
 * Removes a member and ends all of their sessions, so nothing they had open keeps working; the
 * per-request membership check would refuse this org anyway, but a hard cut is what a security
 * team expects when someone is removed (they sign in again for any other org).
 */
export async function removeMember(actor: MemberActor, orgId: string, userId: string): Promise<MembershipChangeResult> {
  return managingMembers(actor, orgId, async (tx) => {
    const target = await tx.membership.findUnique({
      where: { userId_orgId: { userId, orgId } },
      select: { id: true, role: true, user: { select: { email: true } } },
    });
    if (!target) return { ok: false, reason: "not_found" };
    if (target.role === "ADMIN" && !(await otherAdminsExist(tx, orgId, userId))) return { ok: false, reason: "last_admin" };
    await tx.membership.delete({ where: { id: target.id } });
    const sessions = await tx.session.deleteMany({ where: { userId } });
    await recordAudit(tx, {
      orgId,
      actor: auditActor(actor),
      action: "member.removed",
      target: { type: "user", id: userId },
      metadata: { email: target.user.email, role: target.role, sessionsEnded: sessions.count },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
    return { ok: true, email: target.user.email };
  });
}

/** A member leaves on their own; the last admin cannot (the org would be left without one). */
export async function leaveOrg(actor: MemberActor, orgId: string): Promise<MembershipChangeResult> {
  return inPermittedTransaction(actor, orgId, "org:leave", async (tx): Promise<MembershipChangeResult> => {
    const own = await tx.membership.findUnique({
      where: { userId_orgId: { userId: actor.userId, orgId } },
      select: { id: true, role: true, user: { select: { email: true } } },
    });
    if (!own) return { ok: false, reason: "not_found" };
    if (own.role === "ADMIN" && !(await otherAdminsExist(tx, orgId, actor.userId))) return { ok: false, reason: "last_admin" };
    await tx.membership.delete({ where: { id: own.id } });
    await recordAudit(tx, {
      orgId,
      actor: auditActor(actor),
      action: "member.left",
      target: { type: "user", id: actor.userId },
      metadata: { email: own.user.email, role: own.role },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
    return { ok: true, email: own.user.email };
  });
}

export type GithubOrgSettingResult = { ok: true } | { ok: false; reason: Refusal };

/** Sets (or with null, clears) "members of GitHub organization X may join". */
export async function setGithubOrgLogin(actor: MemberActor, orgId: string, githubOrg: string | null): Promise<GithubOrgSettingResult> {
  return managingMembers(actor, orgId, async (tx) => {
    const before = await tx.org.findUniqueOrThrow({ where: { id: orgId }, select: { githubOrgLogin: true } });
    if (before.githubOrgLogin === githubOrg) return { ok: true };
    await tx.org.update({ where: { id: orgId }, data: { githubOrgLogin: githubOrg } });
    await recordAudit(tx, {
      orgId,
      actor: auditActor(actor),
      action: "org.github_join_changed",
      target: { type: "org", id: orgId },
      metadata: { before: before.githubOrgLogin, after: githubOrg },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
    return { ok: true };
  });
}

// ——— Invitations ———

export type IssuedInvitation = {
  id: string;
  email: string | null;
  githubLogin: string | null;
  role: OrgRole;
  expiresAt: Date;
  /** The link's secret: returned once so it can be mailed or shown, never stored. */
  secret: string;
};

export type SkippedInvitee = { invitee: string; reason: "already_member" | "already_invited" };

const pendingWhere = (now: Date) => ({ acceptedAt: null, revokedAt: null, expiresAt: { gt: now } });

export async function createInvitations(
  actor: MemberActor,
  orgId: string,
  invitees: Invitee[],
  role: OrgRole,
  now = new Date(),
): Promise<{ ok: true; created: IssuedInvitation[]; skipped: SkippedInvitee[] } | { ok: false; reason: Refusal }> {
  return managingMembers(actor, orgId, async (tx) => {
    const created: IssuedInvitation[] = [];
    const skipped: SkippedInvitee[] = [];
    for (const invitee of invitees) {
      const label = invitee.email ?? `@${invitee.githubLogin}`;
      const member = await tx.membership.count({
        where: { orgId, user: invitee.email ? { email: invitee.email } : { githubLogin: invitee.githubLogin } },
      });
      if (member > 0) {
        skipped.push({ invitee: label, reason: "already_member" });
        continue;
      }
      const pending = await tx.invitation.count({
        where: { orgId, ...pendingWhere(now), ...(invitee.email ? { email: invitee.email } : { githubLogin: invitee.githubLogin }) },
      });
      if (pending > 0) {
        skipped.push({ invitee: label, reason: "already_invited" });
        continue;
      }
      const secret = newInvitationSecret();
      const invitation = await tx.invitation.create({
        data: {
          orgId,
          email: invitee.email ?? null,
          githubLogin: invitee.githubLogin ?? null,
          role,
          secretHash: hashInvitationSecret(secret),
          expiresAt: invitationExpiry(now),
          sentAt: now,
          invitedById: actor.userId,
        },
        select: { id: true, email: true, githubLogin: true, role: true, expiresAt: true },
      });
      await recordAudit(tx, {
        orgId,
        actor: auditActor(actor),
        action: "member.invited",
        target: { type: "invitation", id: invitation.id },
        metadata: { email: invitation.email, githubLogin: invitation.githubLogin, role },
        ip: actor.ip,
        userAgent: actor.userAgent,
      });
      created.push({ ...invitation, secret });
    }
    return { ok: true as const, created, skipped };
  });
}

export async function revokeInvitation(
  actor: MemberActor,
  orgId: string,
  invitationId: string,
  now = new Date(),
): Promise<{ ok: true } | { ok: false; reason: Refusal }> {
  return managingMembers(actor, orgId, async (tx) => {
    // Only an unused, unrevoked invitation of this org; the guard makes a used link stay used.
    const revoked = await tx.invitation.updateMany({
      where: { id: invitationId, orgId, acceptedAt: null, revokedAt: null },
      data: { revokedAt: now },
    });
    if (revoked.count !== 1) return { ok: false, reason: "not_found" };
    const invitation = await tx.invitation.findUniqueOrThrow({ where: { id: invitationId }, select: { email: true, githubLogin: true } });
    await recordAudit(tx, {
      orgId,
      actor: auditActor(actor),
      action: "member.invitation_revoked",
      target: { type: "invitation", id: invitationId },
      metadata: invitation,
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
    return { ok: true as const };
  });
}

/** A new link for an unused invitation (also after it expired); the previous link stops working. */
export async function resendInvitation(
  actor: MemberActor,
  orgId: string,
  invitationId: string,
  now = new Date(),
): Promise<{ ok: true; invitation: IssuedInvitation } | { ok: false; reason: Refusal }> {
  return managingMembers(actor, orgId, async (tx) => {
    const secret = newInvitationSecret();
    const updated = await tx.invitation.updateMany({
      where: { id: invitationId, orgId, acceptedAt: null, revokedAt: null },
      data: { secretHash: hashInvitationSecret(secret), expiresAt: invitationExpiry(now), sentAt: now },
    });
    if (updated.count !== 1) return { ok: false, reason: "not_found" };
    const invitation = await tx.invitation.findUniqueOrThrow({
      where: { id: invitationId },
      select: { id: true, email: true, githubLogin: true, role: true, expiresAt: true },
    });
    await recordAudit(tx, {
      orgId,
      actor: auditActor(actor),
      action: "member.invitation_resent",
      target: { type: "invitation", id: invitationId },
      metadata: { email: invitation.email, githubLogin: invitation.githubLogin },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
    return { ok: true as const, invitation: { ...invitation, secret } };
  });
}

// ——— Accepting ———

export type InvitationState = "pending" | "expired" | "revoked" | "used";

export function invitationState(
  invitation: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
  now = new Date(),
): InvitationState {
  if (invitation.acceptedAt) return "used";
  if (invitation.revokedAt) return "revoked";
  if (invitation.expiresAt <= now) return "expired";
  return "pending";
}

export type AcceptResult =
  | { ok: true; org: { slug: string; name: string }; alreadyMember: boolean }
  | { ok: false; reason: "invalid" | "expired" | "revoked" | "used" | "wrong_user" | "account_exists" };

type Joiner = { id: string; email: string; githubLogin: string | null };

const invitationSelect = {
  id: true,
  orgId: true,
  email: true,
  githubLogin: true,
  role: true,
  expiresAt: true,
  acceptedAt: true,
  revokedAt: true,
  org: { select: { slug: true, name: true } },
} as const;

/**
 * Uses the invitation for `joiner` inside `tx`. The guarded update (still unused, unrevoked,
 * unexpired) is what makes a link single-use: of two concurrent accepts, one updates the row
 * and the other finds nothing to update.
 */
export async function acceptInvitationInTx(
  tx: Tx,
  invitationId: string,
  joiner: Joiner,
  via: "link" | "github" | "switcher",
  now = new Date(),
): Promise<AcceptResult> {
  const invitation = await tx.invitation.findUnique({ where: { id: invitationId }, select: invitationSelect });
  if (!invitation) return { ok: false, reason: "invalid" };
  const state = invitationState(invitation, now);
  if (state !== "pending") return { ok: false, reason: state };
  const matches = invitation.email ? invitation.email === joiner.email : invitation.githubLogin === joiner.githubLogin;
  if (!matches) return { ok: false, reason: "wrong_user" };
  const used = await tx.invitation.updateMany({
    where: { id: invitation.id, ...pendingWhere(now) },
    data: { acceptedAt: now, acceptedById: joiner.id },
  });
  if (used.count !== 1) return { ok: false, reason: "used" };
  const existing = await tx.membership.findUnique({ where: { userId_orgId: { userId: joiner.id, orgId: invitation.orgId } } });
  // An invitation never changes the role of someone who is already a member.
  if (!existing) {
    await tx.membership.create({ data: { userId: joiner.id, orgId: invitation.orgId, role: invitation.role } });
    await recordAudit(tx, {
      orgId: invitation.orgId,
      actor: { type: "user", userId: joiner.id, label: joiner.email },
      action: "member.joined",
      target: { type: "user", id: joiner.id },
      metadata: { email: joiner.email, githubLogin: joiner.githubLogin, role: invitation.role, invitationId: invitation.id, via },
    });
  }
  return { ok: true, org: invitation.org, alreadyMember: Boolean(existing) };
}

async function findInvitationId(tx: Tx, secret: string): Promise<string | null> {
  const row = await tx.invitation.findUnique({ where: { secretHash: hashInvitationSecret(secret) }, select: { id: true } });
  return row?.id ?? null;
}

/** A signed-in user accepts the invitation behind a link. */
export async function acceptInvitation(secret: string, joiner: Joiner, now = new Date()): Promise<AcceptResult> {
  return db.$transaction(async (tx) => {
    const id = await findInvitationId(tx, secret);
    if (!id) return { ok: false, reason: "invalid" };
    return acceptInvitationInTx(tx, id, joiner, "link", now);
  });
}

/** A signed-in user accepts an invitation addressed to them, chosen from their pending invitations (no link needed). */
export async function acceptInvitationById(invitationId: string, joiner: Joiner, now = new Date()): Promise<AcceptResult> {
  return db.$transaction((tx) => acceptInvitationInTx(tx, invitationId, joiner, "switcher", now));
}

class RollBack extends Error {
  constructor(readonly result: AcceptResult) {
    super("rolled back");
  }
}

/**
 * A new person accepts an email invitation: their account (with the invited address) and their
 * membership are created together, or not at all.
 */
export async function acceptInvitationAsNewUser(
  secret: string,
  person: { name: string; passwordHash: string },
  now = new Date(),
): Promise<AcceptResult & { email?: string }> {
  try {
    return await db.$transaction(async (tx) => {
      const id = await findInvitationId(tx, secret);
      if (!id) return { ok: false, reason: "invalid" } as const;
      const invitation = await tx.invitation.findUniqueOrThrow({ where: { id }, select: invitationSelect });
      const state = invitationState(invitation, now);
      if (state !== "pending") return { ok: false, reason: state } as const;
      if (!invitation.email) return { ok: false, reason: "wrong_user" } as const;
      if ((await tx.user.count({ where: { email: invitation.email } })) > 0) return { ok: false, reason: "account_exists" } as const;
      const user = await tx.user.create({
        data: { id: randomUUID(), email: invitation.email, name: person.name, passwordHash: person.passwordHash },
        select: { id: true, email: true, githubLogin: true },
      });
      const result = await acceptInvitationInTx(tx, id, user, "link", now);
      if (!result.ok) throw new RollBack(result);
      return { ...result, email: user.email };
    });
  } catch (error) {
    if (error instanceof RollBack) return error.result;
    // A concurrent accept of the same link created the account first (unique email).
    if ((error as { code?: unknown }).code === "P2002") return { ok: false, reason: "used" };
    throw error;
  }
}

export { RollBack as MembershipRollBack };
