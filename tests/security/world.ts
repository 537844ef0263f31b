import { randomUUID } from "node:crypto";

import { getKeyring } from "@/lib/config/keyring";
import { db } from "@/lib/db/client";
import { removeMember } from "@/lib/db/member-mutations";
import { newTokenRows } from "@/lib/db/token-store";
import { CLIENT_IP_HEADER } from "@/lib/server/client-ip";
import type { Scope } from "@/lib/tokens";

import { firstAdminOf } from "../support/api";
import { actAs, testRequest } from "../support/request-as";

// The cast of the security suite: org A (the target) with two admins, a member and a member who
// was removed, and org B whose admin attacks A. Every matrix cell gets a world of its own, so a
// cell that succeeds (an admin leaving, a token revoked) cannot change what the next cell sees.

export const CALLERS = ["admin", "member", "other org's admin", "removed member", "removed member, signed in again", "signed out"] as const;
export type Caller = (typeof CALLERS)[number];

type User = { id: string; email: string };
type TestOrg = { id: string; slug: string; name: string };

export type World = {
  a: { org: TestOrg; admin: User; admin2: User; member: User; removed: User; removedSessionId: string };
  b: { org: TestOrg; admin: User };
};

async function user(label: string, suffix: string): Promise<User> {
  return db.user.create({ data: { email: `${label}-${suffix}@sec.test`, name: `${label} ${suffix}` }, select: { id: true, email: true } });
}

async function org(label: string, suffix: string): Promise<TestOrg> {
  return db.org.create({ data: { slug: `${label}-${suffix}`, name: `${label} ${suffix}` }, select: { id: true, slug: true, name: true } });
}

export async function createWorld(): Promise<World> {
  const suffix = randomUUID().slice(0, 8);
  const [orgA, orgB] = await Promise.all([org("sec-a", suffix), org("sec-b", suffix)]);
  const [admin, admin2, member, removed, otherAdmin] = await Promise.all([
    user("admin-a", suffix),
    user("admin2-a", suffix),
    user("member-a", suffix),
    user("removed-a", suffix),
    user("admin-b", suffix),
  ]);
  await db.membership.createMany({
    data: [
      { orgId: orgA.id, userId: admin.id, role: "ADMIN" },
      { orgId: orgA.id, userId: admin2.id, role: "ADMIN" },
      { orgId: orgA.id, userId: member.id, role: "MEMBER" },
      { orgId: orgA.id, userId: removed.id, role: "MEMBER" },
      { orgId: orgB.id, userId: otherAdmin.id, role: "ADMIN" },
    ],
  });
  // The removed member was signed in when an admin removed them: that session must be dead.
  const session = await db.session.create({ data: { userId: removed.id, expiresAt: new Date(Date.now() + 3600_000) } });
  const removal = await removeMember({ userId: admin.id, label: admin.email, ip: null, userAgent: null }, orgA.id, removed.id);
  if (!removal.ok) throw new Error(`could not remove the member: ${removal.reason}`);
  return {
    a: { org: orgA, admin, admin2, member, removed, removedSessionId: session.id },
    b: { org: orgB, admin: otherAdmin },
  };
}

/** Makes the following server-action calls come from this caller. */
export async function actAsCaller(world: World, caller: Caller, ip = "203.0.113.7"): Promise<void> {
  switch (caller) {
    case "admin":
      return actAs(world.a.admin, { ip });
    case "member":
      return actAs(world.a.member, { ip });
    case "other org's admin":
      return actAs(world.b.admin, { ip });
    case "removed member, signed in again":
      return actAs(world.a.removed, { ip });
    case "signed out":
      return actAs(null, { ip });
    case "removed member":
      // The cookie still names the session the removal ended.
      testRequest.headers = new Headers({ [CLIENT_IP_HEADER]: ip, "user-agent": "vitest" });
      testRequest.sessionId = world.a.removedSessionId;
      return;
  }
}

export const userActor = (u: User) => ({ kind: "user" as const, userId: u.id, label: u.email, ip: null, userAgent: null });

/** A token written straight to the database; returns its id and value. */
export async function addToken(
  orgId: string,
  settings: {
    scopes?: Scope[];
    visibility?: "ADMIN_ONLY" | "ORGANIZATION";
    name?: string;
    status?: "ACTIVE" | "DISABLED";
    leakReported?: boolean;
  } = {},
) {
  const rows = newTokenRows(getKeyring(), {
    orgId,
    name: settings.name ?? `sec token ${randomUUID().slice(0, 6)}`,
    scopes: settings.scopes ?? ["report:read"],
    visibility: settings.visibility ?? "ORGANIZATION",
    quotaMax: 1_000,
    quotaWindow: "MONTHLY",
    expiresAt: null,
    createdById: await firstAdminOf(orgId),
  });
  await db.apiToken.create({
    data: {
      ...rows.token,
      status: settings.status ?? "ACTIVE",
      ...(settings.leakReported ? { leakReportedAt: new Date(), leakReportSource: "test" } : {}),
    },
  });
  await db.apiTokenValue.create({ data: rows.value });
  return { id: rows.token.id, value: rows.plaintext, valueId: rows.value.id, hash: rows.value.hash };
}

/**
 * Everything of one org that a request could change, to prove a refused request changed
 * nothing. "Last used" columns are left out: every recorded API call sets them, by design.
 */
export async function orgSnapshot(orgId: string) {
  const [org, memberships, invitations, tokens, values, audit, incidents, sessions, reports, repos, repoLabels, services] =
    await Promise.all([
      db.org.findUnique({ where: { id: orgId } }),
      db.membership.findMany({ where: { orgId }, select: { userId: true, role: true }, orderBy: { userId: "asc" } }),
      db.invitation.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
      db.apiToken.findMany({
        where: { orgId },
        omit: { lastUsedAt: true, lastUsedIp: true, lastUsedUserAgent: true, lastUsedRoute: true },
        orderBy: { id: "asc" },
      }),
      db.apiTokenValue.findMany({
        where: { orgId },
        select: { id: true, tokenId: true, hash: true, ciphertext: true, keyVersion: true, validUntil: true, replacedAt: true },
        orderBy: { id: "asc" },
      }),
      db.auditEvent.findMany({ where: { orgId }, select: { id: true, action: true }, orderBy: { id: "asc" } }),
      db.incident.findMany({ where: { orgId }, include: { items: { orderBy: { id: "asc" } } }, orderBy: { id: "asc" } }),
      db.session.findMany({ where: { user: { memberships: { some: { orgId } } } }, select: { id: true }, orderBy: { id: "asc" } }),
      db.report.findMany({ where: { orgId }, select: { id: true }, orderBy: { id: "asc" } }),
      db.repo.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
      db.repoLabel.findMany({ where: { orgId }, include: { repos: { orderBy: { repoId: "asc" } } }, orderBy: { id: "asc" } }),
      db.service.findMany({
        where: { orgId },
        include: { scopes: { orderBy: { name: "asc" } }, routes: { orderBy: { id: "asc" } } },
        orderBy: { id: "asc" },
      }),
    ]);
  return { org, memberships, invitations, tokens, values, audit, incidents, sessions, reports, repos, repoLabels, services };
}

export async function worldSnapshot(world: World) {
  const [a, b] = await Promise.all([orgSnapshot(world.a.org.id), orgSnapshot(world.b.org.id)]);
  return { a, b };
}

export type WorldSnapshot = Awaited<ReturnType<typeof worldSnapshot>>;

/** The snapshot without one token's quota: a call that ran is charged to its caller, refused or not. */
export function withoutQuotaOf(snapshot: WorldSnapshot, tokenId: string | null): WorldSnapshot {
  if (!tokenId) return snapshot;
  const strip = (tokens: WorldSnapshot["a"]["tokens"]) =>
    tokens.map((t) => (t.id === tokenId ? { ...t, quotaRemaining: 0, quotaResetAt: new Date(0) } : t));
  return { a: { ...snapshot.a, tokens: strip(snapshot.a.tokens) }, b: { ...snapshot.b, tokens: strip(snapshot.b.tokens) } };
}

/**
 * `after` without the audit records of refusals made since `before`: a token's refused attempt to
 * manage tokens is itself recorded (token.action_refused), by design; nothing else may be added.
 */
export function withoutNewRefusalRecords(after: WorldSnapshot, before: WorldSnapshot): WorldSnapshot {
  const strip = (org: "a" | "b") => {
    const known = new Set(before[org].audit.map((event) => event.id));
    return { ...after[org], audit: after[org].audit.filter((event) => known.has(event.id) || event.action !== "token.action_refused") };
  };
  return { a: strip("a"), b: strip("b") };
}

/** Matches a token value anywhere in a response: `kw_` and 36 base62 characters. */
export const TOKEN_VALUE_PATTERN = /kw_[0-9A-Za-z]{36}/;
