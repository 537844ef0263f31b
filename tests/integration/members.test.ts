import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { inviteMembers, resendInvitation, revokeInvitation } from "@/lib/actions/invitations";
import { changeMemberRole, leaveOrganization, removeMember, rotateExposedTokens, updateGithubJoinSetting } from "@/lib/actions/members";
import type { ActionState } from "@/lib/auth/action";
import { getOrgAccess, listUserOrgs } from "@/lib/auth/org-access";
import { db } from "@/lib/db/client";
import { changeMemberRole as changeRoleAsActor, createInvitations, removeMember as removeAsActor } from "@/lib/db/member-mutations";
import { listOpenOffboarding, listTokensSeenBy } from "@/lib/db/queries/members";

import { addToken, addUser, callAction, membershipSnapshot, recordReveal } from "../support/members";
import { actAs, createTestOrg } from "../support/request-as";

type Org = Awaited<ReturnType<typeof createTestOrg>>;
type Caller = "admin" | "member" | "otherOrgAdmin" | "signedOut";
type Fixture = {
  acme: Org;
  other: Org;
  target: { id: string; email: string };
  invitationId: string;
  departed: { id: string; email: string };
  exposedTokenId: string;
};

async function fixture(): Promise<Fixture> {
  const acme = await createTestOrg("acme");
  const other = await createTestOrg("other");
  const target = await addUser(acme.org.id, "MEMBER", "target");
  const invited = await createInvitations(
    { userId: acme.admin.id, label: acme.admin.email, ip: null, userAgent: null },
    acme.org.id,
    [{ email: `pending-${acme.org.slug}@example.test` }],
    "MEMBER",
  );
  if (!invited.ok) throw new Error("fixture invitation failed");
  // Someone already removed, who had revealed a token: the offboarding step's subject.
  const departed = await addUser(acme.org.id, "MEMBER", "departed");
  const exposed = await addToken(acme.org.id, { name: "Revealed before leaving" });
  await recordReveal(acme.org.id, exposed.id, departed);
  await removeAsActor({ userId: acme.admin.id, label: acme.admin.email, ip: null, userAgent: null }, acme.org.id, departed.id);
  return { acme, other, target, invitationId: invited.created[0].id, departed, exposedTokenId: exposed.id };
}

function callerUser(f: Fixture, caller: Caller) {
  return caller === "admin" ? f.acme.admin : caller === "member" ? f.acme.member : caller === "otherOrgAdmin" ? f.other.admin : null;
}

// Every membership action, what it is called with, and how to tell it took effect.
const ACTIONS = [
  {
    name: "change a member's role",
    call: (f: Fixture) => callAction(changeMemberRole, { orgSlug: f.acme.org.slug, userId: f.target.id, role: "ADMIN" }),
    tookEffect: async (f: Fixture) =>
      (await db.membership.findUniqueOrThrow({ where: { userId_orgId: { userId: f.target.id, orgId: f.acme.org.id } } })).role === "ADMIN",
    audit: "member.role_changed",
    allowed: ["admin"],
  },
  {
    name: "remove a member",
    call: (f: Fixture) => callAction(removeMember, { orgSlug: f.acme.org.slug, userId: f.target.id }),
    tookEffect: async (f: Fixture) => (await db.membership.count({ where: { userId: f.target.id, orgId: f.acme.org.id } })) === 0,
    audit: "member.removed",
    allowed: ["admin"],
  },
  {
    name: "invite by email",
    call: (f: Fixture) =>
      callAction(inviteMembers, {
        orgSlug: f.acme.org.slug,
        kind: "email",
        invitees: `new-${f.acme.org.slug}@example.test`,
        role: "MEMBER",
      }),
    tookEffect: async (f: Fixture) =>
      (await db.invitation.count({ where: { orgId: f.acme.org.id, email: `new-${f.acme.org.slug}@example.test` } })) === 1,
    audit: "member.invited",
    allowed: ["admin"],
  },
  {
    name: "invite by GitHub login",
    call: (f: Fixture) => callAction(inviteMembers, { orgSlug: f.acme.org.slug, kind: "github", invitees: "@Octo-Cat", role: "ADMIN" }),
    tookEffect: async (f: Fixture) =>
      (await db.invitation.count({ where: { orgId: f.acme.org.id, githubLogin: "octo-cat", role: "ADMIN" } })) === 1,
    audit: "member.invited",
    allowed: ["admin"],
  },
  {
    name: "revoke an invitation",
    call: (f: Fixture) => callAction(revokeInvitation, { orgSlug: f.acme.org.slug, invitationId: f.invitationId }),
    tookEffect: async (f: Fixture) => (await db.invitation.findUniqueOrThrow({ where: { id: f.invitationId } })).revokedAt !== null,
    audit: "member.invitation_revoked",
    allowed: ["admin"],
  },
  {
    name: "re-send an invitation",
    call: (f: Fixture) => callAction(resendInvitation, { orgSlug: f.acme.org.slug, invitationId: f.invitationId }),
    tookEffect: async (f: Fixture) =>
      (await db.auditEvent.count({ where: { orgId: f.acme.org.id, action: "member.invitation_resent" } })) === 1,
    audit: "member.invitation_resent",
    allowed: ["admin"],
  },
  {
    name: "set the GitHub organization that may join",
    call: (f: Fixture) => callAction(updateGithubJoinSetting, { orgSlug: f.acme.org.slug, githubOrg: "Acme-Corp" }),
    tookEffect: async (f: Fixture) => (await db.org.findUniqueOrThrow({ where: { id: f.acme.org.id } })).githubOrgLogin === "acme-corp",
    audit: "org.github_join_changed",
    allowed: ["admin"],
  },
  {
    name: "rotate the tokens a departed person saw",
    call: (f: Fixture) => callAction(rotateExposedTokens, { orgSlug: f.acme.org.slug, userId: f.departed.id, graceSeconds: "3600" }),
    tookEffect: async (f: Fixture) => (await db.apiToken.findUniqueOrThrow({ where: { id: f.exposedTokenId } })).rotatedAt !== null,
    audit: "token.rotated",
    allowed: ["admin"],
  },
  {
    name: "leave the organization",
    call: (f: Fixture) => callAction(leaveOrganization, { orgSlug: f.acme.org.slug }),
    // The fixture's admin is its only admin, so of the org's people only the member may leave.
    tookEffect: async (f: Fixture) => (await db.membership.count({ where: { userId: f.acme.member.id, orgId: f.acme.org.id } })) === 0,
    audit: "member.left",
    allowed: ["member"],
  },
] as const;

const REFUSAL: Record<Caller, string> = {
  admin: "CONFLICT",
  member: "FORBIDDEN",
  otherOrgAdmin: "NOT_FOUND",
  signedOut: "UNAUTHENTICATED",
};

describe("membership actions × callers", () => {
  // Without SMTP_URL the invite actions log the link; that is tested in invitations.test.ts.
  const quiet = vi.spyOn(console, "log").mockImplementation(() => {});
  afterAll(() => quiet.mockRestore());
  for (const action of ACTIONS) {
    for (const caller of ["admin", "member", "otherOrgAdmin", "signedOut"] as const) {
      const allowed = (action.allowed as readonly string[]).includes(caller);
      it(`${caller} ${allowed ? "may" : "may not"} ${action.name}`, async () => {
        const f = await fixture();
        await actAs(callerUser(f, caller));
        const before = await membershipSnapshot(f.acme.org.id);
        const result = await action.call(f);
        if (allowed) {
          expect(result.ok, result.message).toBe(true);
          expect(await action.tookEffect(f)).toBe(true);
          expect(await db.auditEvent.count({ where: { orgId: f.acme.org.id, action: action.audit } })).toBeGreaterThan(0);
        } else {
          // The admin's only refusal here is leaving as the last admin (CONFLICT).
          expect(result).toMatchObject({ ok: false, code: REFUSAL[caller] });
          expect(await membershipSnapshot(f.acme.org.id)).toEqual(before);
          expect(await action.tookEffect(f)).toBe(false);
        }
      });
    }
  }
});

describe("crafted inputs", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });

  it("cannot reach a member or invitation of another org through this org", async () => {
    const otherInvite = await createInvitations(
      { userId: f.other.admin.id, label: f.other.admin.email, ip: null, userAgent: null },
      f.other.org.id,
      [{ email: `x-${f.other.org.slug}@example.test` }],
      "MEMBER",
    );
    if (!otherInvite.ok) throw new Error("setup");
    await actAs(f.acme.admin);
    const before = await membershipSnapshot(f.other.org.id);
    expect(await callAction(removeMember, { orgSlug: f.acme.org.slug, userId: f.other.member.id })).toMatchObject({ code: "NOT_FOUND" });
    expect(await callAction(changeMemberRole, { orgSlug: f.acme.org.slug, userId: f.other.member.id, role: "ADMIN" })).toMatchObject({
      code: "NOT_FOUND",
    });
    const invitationId = otherInvite.created[0].id;
    expect(await callAction(revokeInvitation, { orgSlug: f.acme.org.slug, invitationId })).toMatchObject({ code: "NOT_FOUND" });
    expect(await callAction(resendInvitation, { orgSlug: f.acme.org.slug, invitationId })).toMatchObject({ code: "NOT_FOUND" });
    expect(await membershipSnapshot(f.other.org.id)).toEqual(before);
    // Another org's departed person: acme's admin cannot rotate tokens through them.
    await actAs(f.other.admin);
    const otherBefore = await membershipSnapshot(f.acme.org.id);
    expect(await callAction(rotateExposedTokens, { orgSlug: f.other.org.slug, userId: f.departed.id, graceSeconds: 0 })).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await membershipSnapshot(f.acme.org.id)).toEqual(otherBefore);
  });

  it("turns bad or extra fields into field errors, changing nothing", async () => {
    await actAs(f.acme.admin);
    const before = await membershipSnapshot(f.acme.org.id);
    type AnyAction = (prev: undefined, input: Record<string, unknown>) => Promise<ActionState<unknown>>;
    const cases: [AnyAction, Record<string, unknown>, string][] = [
      [changeMemberRole, { userId: f.target.id, role: "OWNER" }, "role"],
      [changeMemberRole, { userId: "not-a-uuid", role: "ADMIN" }, "userId"],
      [changeMemberRole, { userId: f.target.id, role: "ADMIN", orgId: f.other.org.id }, "orgId"],
      [removeMember, { userId: f.target.id, force: "1" }, "force"],
      [inviteMembers, { kind: "email", invitees: "ok@example.test, not-an-email", role: "MEMBER" }, "invitees"],
      [inviteMembers, { kind: "email", invitees: "   ", role: "MEMBER" }, "invitees"],
      [inviteMembers, { kind: "github", invitees: "bad--login", role: "MEMBER" }, "invitees"],
      [
        inviteMembers,
        { kind: "email", invitees: Array.from({ length: 51 }, (_, i) => `p${i}@example.test`).join(","), role: "MEMBER" },
        "invitees",
      ],
      [inviteMembers, { kind: "sms", invitees: "a@example.test", role: "MEMBER" }, "kind"],
      [updateGithubJoinSetting, { githubOrg: "not a github org!" }, "githubOrg"],
      [revokeInvitation, { invitationId: "' OR 1=1 --" }, "invitationId"],
      [rotateExposedTokens, { userId: f.departed.id, graceSeconds: "-1" }, "graceSeconds"],
      [rotateExposedTokens, { userId: f.departed.id, graceSeconds: String(8 * 86_400) }, "graceSeconds"],
      [rotateExposedTokens, { userId: f.departed.id, graceSeconds: "soon" }, "graceSeconds"],
    ];
    for (const [action, input, field] of cases) {
      const result = await callAction(action, { orgSlug: f.acme.org.slug, ...input });
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, code: "INVALID" });
      expect(result.errors?.[field]?.length, JSON.stringify(input)).toBeGreaterThan(0);
    }
    expect(await membershipSnapshot(f.acme.org.id)).toEqual(before);
  });

  it("names the bad entry of an invite list", async () => {
    await actAs(f.acme.admin);
    const result = await callAction(inviteMembers, {
      orgSlug: f.acme.org.slug,
      kind: "email",
      invitees: "good@example.test\nnope",
      role: "MEMBER",
    });
    expect(result.errors?.invitees).toEqual(["“nope” is not a valid email address."]);
  });
});

describe("the last admin", () => {
  it("can be neither demoted, removed, nor leave", async () => {
    const { org, admin } = await createTestOrg("solo");
    await actAs(admin);
    const before = await membershipSnapshot(org.id);
    for (const result of [
      await callAction(changeMemberRole, { orgSlug: org.slug, userId: admin.id, role: "MEMBER" }),
      await callAction(removeMember, { orgSlug: org.slug, userId: admin.id }),
      await callAction(leaveOrganization, { orgSlug: org.slug }),
    ]) {
      expect(result).toMatchObject({ ok: false, code: "CONFLICT", message: expect.stringContaining("at least one admin") });
    }
    expect(await membershipSnapshot(org.id)).toEqual(before);
  });

  it("survives two admins demoting each other at the same moment", async () => {
    const { org, admin } = await createTestOrg("race");
    const second = await addUser(org.id, "ADMIN", "second");
    const actor = (u: { id: string; email: string }) => ({ userId: u.id, label: u.email, ip: null, userAgent: null });
    const results = await Promise.allSettled([
      changeRoleAsActor(actor(admin), org.id, second.id, "MEMBER"),
      changeRoleAsActor(actor(second), org.id, admin.id, "MEMBER"),
    ]);
    // The loser is no longer an admin when its transaction re-checks: refused as demoted, nothing written.
    expect(results.filter((r) => r.status === "fulfilled" && r.value.ok)).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected")).toEqual([
      { status: "rejected", reason: expect.objectContaining({ name: "RoleChangedError", stillMember: true }) },
    ]);
    expect(await db.membership.count({ where: { orgId: org.id, role: "ADMIN" } })).toBe(1);
  });

  it("survives two admins removing each other at the same moment", async () => {
    const { org, admin } = await createTestOrg("race2");
    const second = await addUser(org.id, "ADMIN", "second");
    await actAs(admin);
    const asAdmin = callAction(removeMember, { orgSlug: org.slug, userId: second.id });
    const asSecond = removeAsActor({ userId: second.id, label: second.email, ip: null, userAgent: null }, org.id, admin.id);
    const [a, b] = await Promise.allSettled([asAdmin, asSecond]);
    // The loser was removed first: its action is refused (its sessions ended, or NOT_FOUND), or its mutation throws RoleChangedError.
    const losers = [a, b].filter((r) => !(r.status === "fulfilled" && r.value.ok));
    expect(losers).toHaveLength(1);
    expect(losers[0]).toEqual(
      losers[0] === a
        ? {
            status: "fulfilled",
            value: expect.objectContaining({ ok: false, code: expect.stringMatching(/^(UNAUTHENTICATED|NOT_FOUND)$/) }),
          }
        : { status: "rejected", reason: expect.objectContaining({ name: "RoleChangedError", stillMember: false }) },
    );
    expect(await db.membership.count({ where: { orgId: org.id, role: "ADMIN" } })).toBe(1);
  });
});

describe("removal and demotion take effect on the next request", () => {
  it("a removed member's sessions end, and a new session has no access to the org", async () => {
    const { org, admin, member } = await createTestOrg("gone");
    await actAs(member);
    expect(await getOrgAccess(org.slug)).not.toBeNull();
    const memberSession = (await db.session.findFirstOrThrow({ where: { userId: member.id } })).id;

    await actAs(admin);
    expect((await callAction(removeMember, { orgSlug: org.slug, userId: member.id })).ok).toBe(true);
    expect(await db.session.count({ where: { userId: member.id } })).toBe(0);

    // Their old cookie: the session row is gone, so the next action is refused as signed out.
    const { testRequest } = await import("../support/request-as");
    testRequest.sessionId = memberSession;
    expect(await callAction(leaveOrganization, { orgSlug: org.slug })).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
    expect(await getOrgAccess(org.slug)).toBeNull();

    // Signing in again gives them no way back in: the org is a 404 and actions are NOT_FOUND.
    await actAs(member);
    expect(await getOrgAccess(org.slug)).toBeNull();
    expect(await listUserOrgs(member.id)).toEqual([]);
    expect(await callAction(leaveOrganization, { orgSlug: org.slug })).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("a demoted admin's next admin action is refused with the same session", async () => {
    const { org, admin } = await createTestOrg("demoted");
    const second = await addUser(org.id, "ADMIN", "second");
    await actAs(second);
    const secondSession = (await import("../support/request-as")).testRequest.sessionId;
    await actAs(admin);
    expect((await callAction(changeMemberRole, { orgSlug: org.slug, userId: second.id, role: "MEMBER" })).ok).toBe(true);

    const { testRequest } = await import("../support/request-as");
    testRequest.sessionId = secondSession;
    const before = await membershipSnapshot(org.id);
    expect(await callAction(removeMember, { orgSlug: org.slug, userId: admin.id })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await getOrgAccess(org.slug)).toMatchObject({ role: "MEMBER" });
    expect(await membershipSnapshot(org.id)).toEqual(before);
  });

  it("an admin removed while their action is in flight cannot complete it", async () => {
    const { org, admin, member } = await createTestOrg("inflight");
    const second = await addUser(org.id, "ADMIN", "second");
    await actAs(admin);
    expect((await callAction(removeMember, { orgSlug: org.slug, userId: second.id })).ok).toBe(true);
    // The removed admin's request already passed the wrapper's check; the write re-checks inside its transaction.
    const before = await membershipSnapshot(org.id);
    // Not a member any more: the action answers NOT_FOUND, as it does for tokens and incidents.
    const removed = expect.objectContaining({ name: "RoleChangedError", stillMember: false });
    const lateActor = { userId: second.id, label: second.email, ip: null, userAgent: null };
    await expect(changeRoleAsActor(lateActor, org.id, member.id, "ADMIN")).rejects.toEqual(removed);
    await expect(createInvitations(lateActor, org.id, [{ email: "late@example.test" }], "ADMIN")).rejects.toEqual(removed);
    expect(await membershipSnapshot(org.id)).toEqual(before);
  });
});

describe("audit trail", () => {
  it("records who changed what, with the caller's address", async () => {
    const { org, admin, member } = await createTestOrg("audited");
    await actAs(admin, { ip: "203.0.113.9", userAgent: "audit-test" });
    await callAction(changeMemberRole, { orgSlug: org.slug, userId: member.id, role: "ADMIN" });
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "member.role_changed" } });
    expect(event).toMatchObject({
      actorUserId: admin.id,
      actorLabel: admin.email,
      targetId: member.id,
      ip: "203.0.113.9",
      userAgent: "audit-test",
    });
    expect(JSON.parse(event.metadata)).toEqual({ email: member.email, before: "MEMBER", after: "ADMIN" });
  });
});

describe("offboarding", () => {
  it("lists the live tokens a removed member has seen and drops the ones rotated since", async () => {
    const { org, admin, member } = await createTestOrg("offboard");
    const revealed = await addToken(org.id, { name: "CI" });
    const rotatedSince = await addToken(org.id, { name: "Rotated since" });
    const revoked = await addToken(org.id, { name: "Revoked" });
    const neverSeen = await addToken(org.id, { name: "Never seen" });
    const seenAt = new Date(Date.now() - 60_000);
    for (const t of [revealed, rotatedSince, revoked]) await recordReveal(org.id, t.id, member, seenAt);
    await db.apiToken.update({ where: { id: rotatedSince.id }, data: { rotatedAt: new Date() } });
    await db.apiToken.update({ where: { id: revoked.id }, data: { status: "REVOKED" } });
    // Another org's audit trail of the same person does not leak in.
    const elsewhere = await createTestOrg("elsewhere");
    const foreign = await addToken(elsewhere.org.id);
    await recordReveal(elsewhere.org.id, foreign.id, member);

    await actAs(admin);
    const result = await callAction(removeMember, { orgSlug: org.slug, userId: member.id });
    expect(result.ok).toBe(true);
    expect(result.data?.exposedTokens.map((t) => t.name)).toEqual(["CI"]);
    expect(neverSeen.id).not.toBe(revealed.id);

    const open = await listOpenOffboarding(org.id);
    expect(open).toEqual([
      expect.objectContaining({
        userId: member.id,
        email: member.email,
        how: "removed",
        tokens: [expect.objectContaining({ id: revealed.id })],
      }),
    ]);
  });

  it("rotates them in one step, through the token rotation, and then has nothing left to do", async () => {
    const { org, admin, member } = await createTestOrg("rotate");
    const a = await addToken(org.id, { name: "A" });
    const b = await addToken(org.id, { name: "B", visibility: "ADMIN_ONLY" });
    const untouched = await addToken(org.id, { name: "Untouched" });
    await recordReveal(org.id, a.id, member);
    await recordReveal(org.id, b.id, member);
    await actAs(admin, { ip: "198.51.100.40" });

    // Not for current members: offboarding is for people who are gone.
    expect(await callAction(rotateExposedTokens, { orgSlug: org.slug, userId: member.id, graceSeconds: 0 })).toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await callAction(removeMember, { orgSlug: org.slug, userId: member.id })).data?.exposedTokens).toHaveLength(2);

    const result = await callAction(rotateExposedTokens, { orgSlug: org.slug, userId: member.id, graceSeconds: 0 });
    expect(result).toMatchObject({ ok: true, data: { rotated: ["A", "B"], skipped: [] } });
    expect(result.message).toContain("stop working now");
    for (const token of [a, b]) {
      const values = await db.apiTokenValue.findMany({ where: { tokenId: token.id }, orderBy: { createdAt: "asc" } });
      expect(values).toHaveLength(2);
      // The value the departed member saw no longer works.
      expect(values.find((v) => v.id === token.valueId)?.validUntil?.getTime()).toBeLessThanOrEqual(Date.now());
    }
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: untouched.id } })).rotatedAt).toBeNull();
    const rotations = await db.auditEvent.findMany({ where: { orgId: org.id, action: "token.rotated" } });
    expect(rotations.map((e) => [e.actorUserId, e.ip])).toEqual([
      [admin.id, "198.51.100.40"],
      [admin.id, "198.51.100.40"],
    ]);
    expect(await listOpenOffboarding(org.id)).toEqual([]);
    expect((await callAction(rotateExposedTokens, { orgSlug: org.slug, userId: member.id, graceSeconds: 0 })).message).toBe(
      "Nothing needed rotating.",
    );
  });

  it("counts tokens the person created or rotated, and forgets them when they rejoin", async () => {
    const { org, admin } = await createTestOrg("offboard2");
    const leaver = await addUser(org.id, "ADMIN", "leaver");
    const made = await addToken(org.id, { name: "Made by leaver", visibility: "ADMIN_ONLY", createdById: leaver.id });
    await db.auditEvent.create({
      data: {
        orgId: org.id,
        actorUserId: leaver.id,
        actorLabel: leaver.email,
        action: "token.created",
        targetType: "token",
        targetId: made.id,
      },
    });
    await actAs(leaver);
    expect(await callAction(leaveOrganization, { orgSlug: org.slug })).toMatchObject({ ok: true, redirectedTo: "/" });
    expect((await listTokensSeenBy(org.id, leaver.id)).map((t) => t.name)).toEqual(["Made by leaver"]);
    expect((await listOpenOffboarding(org.id)).map((d) => [d.email, d.how])).toEqual([[leaver.email, "left"]]);

    await db.membership.create({ data: { orgId: org.id, userId: leaver.id, role: "MEMBER" } });
    expect(await listOpenOffboarding(org.id)).toEqual([]);
    expect(admin.id).toBeTruthy();
  });
});
