import { randomUUID } from "node:crypto";

import type { ActionState } from "@/lib/auth/action";
import { getKeyring } from "@/lib/config/keyring";
import { db } from "@/lib/db/client";
import { newTokenRows } from "@/lib/db/token-store";

/** Calls a server action; Next's redirect after success (a thrown NEXT_REDIRECT) becomes `redirectedTo`. */
export async function callAction<T>(
  action: (prev: undefined, input: Record<string, unknown>) => Promise<ActionState<T>>,
  input: Record<string, unknown>,
): Promise<ActionState<T> & { redirectedTo?: string }> {
  try {
    return await action(undefined, input);
  } catch (error) {
    const digest = (error as { digest?: unknown }).digest;
    if (typeof digest === "string" && digest.startsWith("NEXT_REDIRECT")) {
      // next-auth's sign-in redirects to an absolute URL on the request's host; keep the path.
      const target = new URL(digest.split(";")[2], "http://keyward.invalid");
      return { ok: true, redirectedTo: `${target.pathname}${target.search}` };
    }
    throw error;
  }
}

/** Everything a membership action could change in an org, to show that a refused call changed nothing. */
export async function membershipSnapshot(orgId: string) {
  const [org, memberships, invitations, auditEvents, sessions, tokens] = await Promise.all([
    db.org.findUniqueOrThrow({ where: { id: orgId }, select: { githubOrgLogin: true } }),
    db.membership.findMany({ where: { orgId }, select: { userId: true, role: true }, orderBy: { userId: "asc" } }),
    db.invitation.findMany({
      where: { orgId },
      select: { id: true, secretHash: true, expiresAt: true, acceptedAt: true, revokedAt: true, role: true },
      orderBy: { id: "asc" },
    }),
    db.auditEvent.count({ where: { orgId } }),
    db.session.count({ where: { user: { memberships: { some: { orgId } } } } }),
    db.apiToken.findMany({ where: { orgId }, select: { id: true, version: true, lastFour: true }, orderBy: { id: "asc" } }),
  ]);
  return { org, memberships, invitations, auditEvents, sessions, tokens };
}

export async function addUser(orgId: string | null, role: "ADMIN" | "MEMBER", label = "user") {
  const user = await db.user.create({ data: { email: `${label}-${randomUUID().slice(0, 8)}@example.test`, name: label } });
  if (orgId) await db.membership.create({ data: { orgId, userId: user.id, role } });
  return user;
}

/** A token of the org, and optionally audit events of `seenBy` revealing it (as the tokens dashboard records them). */
export async function addToken(
  orgId: string,
  opts: { name?: string; visibility?: "ADMIN_ONLY" | "ORGANIZATION"; createdById?: string | null } = {},
) {
  const rows = newTokenRows(getKeyring(), {
    orgId,
    name: opts.name ?? `token-${randomUUID().slice(0, 6)}`,
    scopes: ["report:read"],
    visibility: opts.visibility ?? "ORGANIZATION",
    quotaMax: 100,
    quotaWindow: "MONTHLY",
    expiresAt: null,
    createdById: opts.createdById ?? null,
  });
  await db.apiToken.create({ data: rows.token });
  await db.apiTokenValue.create({ data: rows.value });
  return { ...rows.token, plaintext: rows.plaintext, valueId: rows.value.id };
}

export async function recordReveal(orgId: string, tokenId: string, user: { id: string; email: string }, at = new Date()) {
  await db.auditEvent.create({
    data: { orgId, at, actorUserId: user.id, actorLabel: user.email, action: "token.revealed", targetType: "token", targetId: tokenId },
  });
}
