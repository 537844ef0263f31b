import "server-only";

import { hashInvitationSecret, isInvitationSecret } from "@/lib/auth/invitation-secret";
import type { OrgRole } from "@/lib/auth/permissions";

import { db } from "../client";
import { invitationState, type InvitationState } from "../member-mutations";

export type MemberRow = {
  userId: string;
  name: string | null;
  email: string;
  githubLogin: string | null;
  role: OrgRole;
  joinedAt: Date;
  lastActiveAt: Date | null;
};

export async function listMembers(orgId: string): Promise<MemberRow[]> {
  const rows = await db.membership.findMany({
    where: { orgId },
    orderBy: [{ role: "asc" }, { createdAt: "asc" }],
    select: {
      role: true,
      createdAt: true,
      user: { select: { id: true, name: true, email: true, githubLogin: true, lastActiveAt: true } },
    },
  });
  return rows.map((r) => ({
    userId: r.user.id,
    name: r.user.name,
    email: r.user.email,
    githubLogin: r.user.githubLogin,
    role: r.role,
    joinedAt: r.createdAt,
    lastActiveAt: r.user.lastActiveAt,
  }));
}

export type InvitationRow = {
  id: string;
  email: string | null;
  githubLogin: string | null;
  role: OrgRole;
  sentAt: Date;
  expiresAt: Date;
  state: "pending" | "expired";
  invitedBy: string | null;
};

// Expired invitations stay listed for a while so an admin can re-send them.
const EXPIRED_LISTED_FOR_MS = 30 * 24 * 3600_000;

/** Invitations not yet used or revoked: pending ones, and recently expired ones that can be re-sent. */
export async function listOpenInvitations(orgId: string, now = new Date()): Promise<InvitationRow[]> {
  const rows = await db.invitation.findMany({
    where: { orgId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date(now.getTime() - EXPIRED_LISTED_FOR_MS) } },
    orderBy: { sentAt: "desc" },
    take: 200,
    select: { id: true, email: true, githubLogin: true, role: true, sentAt: true, expiresAt: true, invitedById: true },
  });
  const inviterIds = [...new Set(rows.map((r) => r.invitedById).filter((id): id is string => Boolean(id)))];
  const inviters = await db.user.findMany({ where: { id: { in: inviterIds } }, select: { id: true, name: true, email: true } });
  const inviterName = new Map(inviters.map((u) => [u.id, u.name ?? u.email]));
  return rows.map(({ invitedById, ...r }) => ({
    ...r,
    state: r.expiresAt > now ? "pending" : "expired",
    invitedBy: invitedById ? (inviterName.get(invitedById) ?? null) : null,
  }));
}

export type InvitationLinkView = {
  state: InvitationState | "invalid";
  email: string | null;
  githubLogin: string | null;
  role: OrgRole;
  org: { slug: string; name: string };
  invitedBy: string | null;
  expiresAt: Date;
  acceptedById: string | null;
  /** Whether a Keyward account exists for the invited address (it then signs in instead of signing up). */
  accountExists: boolean;
};

/** What the invitation page shows for a link's secret; null for a secret that matches nothing. */
export async function findInvitationByLink(secret: string, now = new Date()): Promise<InvitationLinkView | null> {
  if (!isInvitationSecret(secret)) return null;
  const row = await db.invitation.findUnique({
    where: { secretHash: hashInvitationSecret(secret) },
    select: {
      email: true,
      githubLogin: true,
      role: true,
      expiresAt: true,
      acceptedAt: true,
      acceptedById: true,
      revokedAt: true,
      invitedById: true,
      org: { select: { slug: true, name: true } },
    },
  });
  if (!row) return null;
  const inviter = row.invitedById
    ? await db.user.findUnique({ where: { id: row.invitedById }, select: { name: true, email: true } })
    : null;
  const accountExists = row.email ? (await db.user.count({ where: { email: row.email } })) > 0 : false;
  return {
    state: invitationState(row, now),
    email: row.email,
    githubLogin: row.githubLogin,
    role: row.role,
    org: row.org,
    invitedBy: inviter ? (inviter.name ?? inviter.email) : null,
    expiresAt: row.expiresAt,
    acceptedById: row.acceptedById,
    accountExists,
  };
}

export type PendingInvitationForUser = { id: string; org: { slug: string; name: string }; role: OrgRole };

/**
 * Open invitations addressed to this signed-in user (their email, or their GitHub login) from
 * orgs they are not in yet: shown in the org switcher, so they need not find the link.
 */
export async function listInvitationsForUser(userId: string, now = new Date()): Promise<PendingInvitationForUser[]> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true, githubLogin: true } });
  if (!user) return [];
  const rows = await db.invitation.findMany({
    where: {
      acceptedAt: null,
      revokedAt: null,
      expiresAt: { gt: now },
      OR: [{ email: user.email }, ...(user.githubLogin ? [{ githubLogin: user.githubLogin }] : [])],
      org: { memberships: { none: { userId } } },
    },
    orderBy: { sentAt: "desc" },
    take: 20,
    select: { id: true, role: true, org: { select: { slug: true, name: true } } },
  });
  // One entry per org, the newest invitation.
  const byOrg = new Map<string, PendingInvitationForUser>();
  for (const row of rows) if (!byOrg.has(row.org.slug)) byOrg.set(row.org.slug, row);
  return [...byOrg.values()];
}

// ——— Offboarding ———

/** Audit actions after which the actor knows a token's current value. */
const VALUE_SEEN_ACTIONS = ["token.revealed", "token.created", "token.rotated"] as const;
const DEPARTURE_ACTIONS = ["member.removed", "member.left"] as const;
const DEPARTURES_LISTED_FOR_MS = 90 * 24 * 3600_000;

export type ExposedToken = {
  id: string;
  name: string;
  visibility: "ADMIN_ONLY" | "ORGANIZATION";
  /** When the departed person last saw (revealed, copied, created or rotated) the value. */
  lastSeenAt: Date;
  version: number;
};

/**
 * Tokens whose current value `userId` has seen in this org: they revealed or copied it, or made
 * it by creating or rotating the token, and nobody has rotated it since. Whoever holds a value
 * also knows every value that token saw through the API afterwards (tokens it created, rotated
 * or listed with values), and so on down the chain. Revoked tokens are done.
 */
export async function listTokensSeenBy(orgId: string, userId: string): Promise<ExposedToken[]> {
  const firstSeen = new Map<string, Date>();
  const lastSeen = new Map<string, Date>();
  const see = (events: { targetId: string | null; at: Date }[]): string[] => {
    const fresh = new Set<string>();
    for (const e of events) {
      const id = e.targetId!;
      const [first, last] = [firstSeen.get(id), lastSeen.get(id)];
      if (!last) fresh.add(id);
      if (!last || last < e.at) lastSeen.set(id, e.at);
      if (!first || first > e.at) firstSeen.set(id, e.at);
    }
    return [...fresh];
  };
  const seenEvents = { action: { in: [...VALUE_SEEN_ACTIONS] }, targetId: { not: null } };
  const select = { targetId: true, at: true, actorTokenId: true } as const;
  let frontier = see(await db.auditEvent.findMany({ where: { orgId, actorUserId: userId, ...seenEvents }, select, take: 5_000 }));
  // Follow tokens acting on tokens; each round adds tokens first seen in the previous one.
  while (frontier.length > 0 && lastSeen.size < 5_000) {
    const events = await db.auditEvent.findMany({ where: { orgId, actorTokenId: { in: frontier }, ...seenEvents }, select, take: 5_000 });
    // Only what a token saw after this person first knew its value.
    frontier = see(events.filter((e) => e.at >= firstSeen.get(e.actorTokenId!)!));
  }
  if (lastSeen.size === 0) return [];
  const tokens = await db.apiToken.findMany({
    where: { orgId, id: { in: [...lastSeen.keys()] }, status: { not: "REVOKED" } },
    select: { id: true, name: true, visibility: true, rotatedAt: true, version: true },
    orderBy: { name: "asc" },
  });
  return tokens
    .filter((t) => !t.rotatedAt || t.rotatedAt <= lastSeen.get(t.id)!)
    .map((t) => ({ id: t.id, name: t.name, visibility: t.visibility, lastSeenAt: lastSeen.get(t.id)!, version: t.version }));
}

export type Departure = {
  userId: string;
  email: string;
  how: "removed" | "left";
  at: Date;
  tokens: ExposedToken[];
};

/** People who left or were removed recently and still know values of live tokens: the offboarding to-do list. */
export async function listOpenOffboarding(orgId: string, now = new Date()): Promise<Departure[]> {
  const events = await db.auditEvent.findMany({
    where: { orgId, action: { in: [...DEPARTURE_ACTIONS] }, at: { gt: new Date(now.getTime() - DEPARTURES_LISTED_FOR_MS) } },
    select: { targetId: true, action: true, at: true, metadata: true },
    orderBy: { at: "desc" },
    take: 200,
  });
  const latest = new Map<string, (typeof events)[number]>();
  for (const e of events) if (e.targetId && !latest.has(e.targetId)) latest.set(e.targetId, e);
  const rejoined = await db.membership.findMany({ where: { orgId, userId: { in: [...latest.keys()] } }, select: { userId: true } });
  for (const m of rejoined) latest.delete(m.userId);

  const departures: Departure[] = [];
  for (const [userId, event] of latest) {
    const tokens = await listTokensSeenBy(orgId, userId);
    if (tokens.length === 0) continue;
    departures.push({
      userId,
      email: emailFromMetadata(event.metadata) ?? "a former member",
      how: event.action === "member.left" ? "left" : "removed",
      at: event.at,
      tokens,
    });
  }
  return departures;
}

/** Whether `userId` left or was removed from the org and is not a member now. */
export async function hasDeparted(orgId: string, userId: string): Promise<boolean> {
  const [departed, member] = await Promise.all([
    db.auditEvent.count({ where: { orgId, targetId: userId, action: { in: [...DEPARTURE_ACTIONS] } } }),
    db.membership.count({ where: { orgId, userId } }),
  ]);
  return departed > 0 && member === 0;
}

function emailFromMetadata(metadata: string): string | null {
  try {
    const parsed = JSON.parse(metadata) as { email?: unknown };
    return typeof parsed.email === "string" ? parsed.email : null;
  } catch {
    return null;
  }
}

/** The GitHub organization linked to the org for joining by GitHub membership, if any. */
export async function getOrgGithubLogin(orgId: string): Promise<string | null> {
  const org = await db.org.findUniqueOrThrow({ where: { id: orgId }, select: { githubOrgLogin: true } });
  return org.githubOrgLogin;
}

/** The signed-in user's email and GitHub login: whom an invitation link is addressed to is compared with these. */
export async function getUserContact(userId: string): Promise<{ email: string; githubLogin: string | null }> {
  return db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, githubLogin: true } });
}
