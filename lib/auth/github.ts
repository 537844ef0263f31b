// Sign-in with GitHub: the provider (endpoints configurable so tests can run a local OAuth
// server in GitHub's place), the GitHub API calls Keyward makes with the user's OAuth token,
// and what a GitHub sign-in does here: find or link the Keyward user, accept their pending
// invitations, and join orgs that admit members of a GitHub organization.
import GitHub from "next-auth/providers/github";

import { recordAudit } from "../db/audit";
import { db } from "../db/client";
import { acceptInvitationInTx, MembershipRollBack, type Tx } from "../db/member-mutations";
import { logger } from "../logger";
import { hashInvitationSecret, isInvitationSecret } from "./invitation-secret";

/** The invitation a person was looking at when they chose "Continue with GitHub" (set by the invite page). */
export const INVITE_COOKIE = "keyward-invite";

const API_TIMEOUT_MS = 10_000;
// A GitHub sign-in checks at most this many GitHub organizations (one API call each).
const MAX_GITHUB_ORG_CHECKS = 20;

export function githubUrls() {
  const trim = (url: string) => url.replace(/\/+$/, "");
  return {
    web: trim(process.env.AUTH_GITHUB_URL || "https://github.com"),
    api: trim(process.env.AUTH_GITHUB_API_URL || "https://api.github.com"),
  };
}

/** GitHub's /user, plus the addresses GitHub has verified for the account (from /user/emails). */
export type GithubProfile = {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  avatar_url?: string;
  verified_emails: string[];
  primary_verified_email: string | null;
};

async function githubApi(path: string, accessToken: string): Promise<Response> {
  return fetch(`${githubUrls().api}${path}`, {
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: "application/vnd.github+json",
      "User-Agent": "keyward",
      "X-GitHub-Api-Version": "2022-11-28",
    },
    redirect: "manual",
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  });
}

export async function fetchGithubProfile(accessToken: string): Promise<GithubProfile> {
  const userResponse = await githubApi("/user", accessToken);
  if (!userResponse.ok) throw new Error(`GitHub /user answered ${userResponse.status}`);
  const user = (await userResponse.json()) as Omit<GithubProfile, "verified_emails" | "primary_verified_email">;
  if (typeof user.id !== "number" || typeof user.login !== "string") throw new Error("GitHub /user returned no id or login");
  // Only verified addresses may link a GitHub account to an existing Keyward user.
  const emailsResponse = await githubApi("/user/emails", accessToken);
  const emails = emailsResponse.ok ? ((await emailsResponse.json()) as { email: string; primary: boolean; verified: boolean }[]) : [];
  const verified = emails.filter((e) => e.verified === true && typeof e.email === "string");
  return {
    ...user,
    verified_emails: verified.map((e) => e.email.toLowerCase()),
    primary_verified_email: verified.find((e) => e.primary)?.email.toLowerCase() ?? null,
  };
}

/** Whether `login` belongs to GitHub organization `org`, asked with the user's own token (204 = member). */
export async function isGithubOrgMember(accessToken: string, org: string, login: string): Promise<boolean> {
  try {
    const response = await githubApi(`/orgs/${encodeURIComponent(org)}/members/${encodeURIComponent(login)}`, accessToken);
    return response.status === 204;
  } catch (error) {
    logger.error({ org, reason: (error as Error).message }, "GitHub organization check failed");
    return false;
  }
}

export const githubEnabled = Boolean(process.env.AUTH_GITHUB_ID && process.env.AUTH_GITHUB_SECRET);

export function githubProvider() {
  const { web } = githubUrls();
  return GitHub({
    clientId: process.env.AUTH_GITHUB_ID,
    clientSecret: process.env.AUTH_GITHUB_SECRET,
    issuer: `${web}/login/oauth`,
    // read:org lets Keyward check membership of a GitHub organization an org admits.
    authorization: { url: `${web}/login/oauth/authorize`, params: { scope: "read:user user:email read:org" } },
    token: `${web}/login/oauth/access_token`,
    userinfo: {
      url: `${githubUrls().api}/user`,
      request: ({ tokens }: { tokens: { access_token?: string } }) => fetchGithubProfile(tokens.access_token ?? ""),
    },
  });
}

export type GithubSignInResult = { ok: true; userId: string } | { ok: false; reason: "no_account" };

/**
 * Decides who a GitHub sign-in is. An existing user is found by GitHub id, or linked by a
 * GitHub-verified address. Someone new gets an account only when Keyward expects them: a
 * pending invitation for their login, the email invitation they came from, or an org that
 * admits their GitHub organization. Everything they are entitled to is joined in one transaction.
 */
export async function completeGithubSignIn(
  input: { profile: GithubProfile; accessToken: string; inviteSecret?: string | null },
  now = new Date(),
): Promise<GithubSignInResult> {
  const { profile, accessToken } = input;
  const githubId = String(profile.id);
  const login = profile.login.toLowerCase();

  const known = await db.user.findUnique({ where: { githubId }, select: { id: true } });
  const orgsToJoin = await githubOrgsAdmitting(profile, accessToken, known?.id ?? null);
  const inviteHash = input.inviteSecret && isInvitationSecret(input.inviteSecret) ? hashInvitationSecret(input.inviteSecret) : null;

  try {
    return await db.$transaction(async (tx) => {
      const user = await findOrLinkUser(tx, githubId, login, profile);
      const pendingWhere = { acceptedAt: null, revokedAt: null, expiresAt: { gt: now } };
      const githubInvitations = await tx.invitation.findMany({ where: { githubLogin: login, ...pendingWhere }, select: { id: true } });
      const linkInvitation = inviteHash
        ? await tx.invitation.findFirst({ where: { secretHash: inviteHash, ...pendingWhere }, select: { id: true, email: true } })
        : null;

      let joiner = user;
      let created = false;
      if (!joiner) {
        const email = await emailForNewUser(tx, profile, linkInvitation?.email ?? null, githubInvitations.length + orgsToJoin.length > 0);
        if (!email) return { ok: false, reason: "no_account" } as const;
        joiner = await tx.user.create({
          data: { email, name: profile.name ?? profile.login, githubId, githubLogin: login },
          select: { id: true, email: true, githubLogin: true },
        });
        created = true;
      }

      let joined = 0;
      const ids = [...githubInvitations.map((i) => i.id), ...(linkInvitation ? [linkInvitation.id] : [])];
      for (const id of new Set(ids)) {
        const result = await acceptInvitationInTx(tx, id, joiner, "github", now);
        if (result.ok) joined++;
      }
      for (const org of orgsToJoin) {
        if (await joinAsGithubOrgMember(tx, org, joiner)) joined++;
      }
      // A new account that ended up joining nothing (lost a race for its invitation) is not kept.
      if (created && joined === 0) throw new MembershipRollBack({ ok: false, reason: "used" });
      return { ok: true, userId: joiner.id } as const;
    });
  } catch (error) {
    if (error instanceof MembershipRollBack) return { ok: false, reason: "no_account" };
    throw error;
  }
}

async function findOrLinkUser(tx: Tx, githubId: string, login: string, profile: GithubProfile) {
  const select = { id: true, email: true, githubLogin: true } as const;
  const byId = await tx.user.findUnique({ where: { githubId }, select });
  if (byId) {
    // GitHub logins can be renamed; the id is what identifies the account.
    if (byId.githubLogin !== login) return tx.user.update({ where: { id: byId.id }, data: { githubLogin: login }, select });
    return byId;
  }
  // Linking by address needs GitHub to have verified it, and a Keyward user not linked to another GitHub account.
  const candidates = [profile.primary_verified_email, ...profile.verified_emails].filter((e): e is string => Boolean(e));
  for (const email of new Set(candidates)) {
    const byEmail = await tx.user.findFirst({ where: { email, githubId: null }, select });
    if (byEmail) return tx.user.update({ where: { id: byEmail.id }, data: { githubId, githubLogin: login }, select });
  }
  return null;
}

/** The address of a new account: the invited one when they came from an email invitation, else GitHub's verified primary. */
async function emailForNewUser(tx: Tx, profile: GithubProfile, invitedEmail: string | null, expectedByLogin: boolean) {
  const free = async (email: string) => (await tx.user.count({ where: { email } })) === 0;
  if (invitedEmail && (await free(invitedEmail))) return invitedEmail;
  if (!expectedByLogin) return null;
  if (profile.primary_verified_email && (await free(profile.primary_verified_email))) return profile.primary_verified_email;
  // GitHub's own no-reply form; unique because it contains the GitHub id.
  return `${profile.id}+${profile.login.toLowerCase()}@users.noreply.github.com`;
}

type AdmittingOrg = { id: string; githubOrgLogin: string };

async function githubOrgsAdmitting(profile: GithubProfile, accessToken: string, userId: string | null): Promise<AdmittingOrg[]> {
  const orgs = await db.org.findMany({
    where: { githubOrgLogin: { not: null }, ...(userId ? { memberships: { none: { userId } } } : {}) },
    select: { id: true, githubOrgLogin: true },
    take: 100,
  });
  const githubOrgs = [...new Set(orgs.map((o) => o.githubOrgLogin!))].slice(0, MAX_GITHUB_ORG_CHECKS);
  const memberOf = new Set<string>();
  for (const githubOrg of githubOrgs) {
    if (await isGithubOrgMember(accessToken, githubOrg, profile.login)) memberOf.add(githubOrg);
  }
  return orgs.filter((o) => memberOf.has(o.githubOrgLogin!)) as AdmittingOrg[];
}

async function joinAsGithubOrgMember(tx: Tx, org: AdmittingOrg, joiner: { id: string; email: string; githubLogin: string | null }) {
  // Re-read inside the transaction: the setting may have changed since the GitHub check.
  const still = await tx.org.count({ where: { id: org.id, githubOrgLogin: org.githubOrgLogin } });
  const member = await tx.membership.count({ where: { orgId: org.id, userId: joiner.id } });
  if (!still || member) return false;
  await tx.membership.create({ data: { orgId: org.id, userId: joiner.id, role: "MEMBER" } });
  await recordAudit(tx, {
    orgId: org.id,
    actor: { type: "user", userId: joiner.id, label: joiner.email },
    action: "member.joined",
    target: { type: "user", id: joiner.id },
    metadata: { email: joiner.email, githubLogin: joiner.githubLogin, role: "MEMBER", via: "github_org", githubOrg: org.githubOrgLogin },
  });
  return true;
}
