import { beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import {
  createToken,
  revealToken,
  revokeToken,
  rotateToken,
  setTokenEnabled,
  TokenConflictError,
  updateToken,
  type NewTokenInput,
  type TokenActor,
} from "@/lib/db/token-mutations";
import { hashTokenValue } from "@/lib/tokens";

import { createTestOrg } from "../support/request-as";

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;

const SETTINGS: NewTokenInput = {
  name: "Deploy bot",
  scopes: ["report:read", "repo"],
  visibility: "ORGANIZATION",
  quotaMax: 1000,
  quotaWindow: "MONTHLY",
  expiresAt: null,
};

function actorFor(org: TestOrg): TokenActor {
  return { kind: "user", userId: org.admin.id, label: org.admin.email, ip: "198.51.100.1", userAgent: "vitest" };
}

/** The values of a token that an API request would accept right now. */
async function liveValueHashes(tokenId: string, now = new Date()) {
  const values = await db.apiTokenValue.findMany({
    where: { tokenId, OR: [{ validUntil: null }, { validUntil: { gt: now } }] },
    select: { hash: true },
  });
  return values.map((v) => v.hash).sort();
}

async function auditActions(orgId: string, tokenId: string) {
  const events = await db.auditEvent.findMany({
    where: { orgId, targetId: tokenId },
    orderBy: { at: "asc" },
    select: { action: true, metadata: true, actorLabel: true, ip: true },
  });
  return events;
}

describe("token mutations", () => {
  let acme: TestOrg;
  let other: TestOrg;
  beforeAll(async () => {
    acme = await createTestOrg("mut");
    other = await createTestOrg("mutother");
  });

  it("creates a token whose value works, is stored only as hash and ciphertext, and is audited", async () => {
    const { token, plaintext } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    expect(token).toMatchObject({
      name: "Deploy bot",
      scopes: ["report:read", "repo"],
      visibility: "ORGANIZATION",
      status: "ACTIVE",
      quotaRemaining: 1000,
      version: 1,
    });
    expect(token.maskedValue).toBe(`kw_…${plaintext.slice(-4)}`);
    expect(JSON.stringify(token)).not.toContain(plaintext);
    expect(await liveValueHashes(token.id)).toEqual([hashTokenValue(plaintext)]);
    const [created] = await auditActions(acme.org.id, token.id);
    expect(created).toMatchObject({ action: "token.created", actorLabel: acme.admin.email, ip: "198.51.100.1" });
    expect(created!.metadata).not.toContain(plaintext);
  });

  it("records before/after of changed fields only, bumps the version, and keeps used quota", async () => {
    const { token } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    await db.apiToken.update({ where: { id: token.id }, data: { quotaRemaining: 900 } }); // 100 used
    const updated = await updateToken(actorFor(acme), acme.org.id, token.id, {
      name: "Deploy bot",
      scopes: ["report"],
      quotaMax: 500,
    });
    expect(updated).toMatchObject({ scopes: ["report"], quotaMax: 500, quotaRemaining: 400, version: 2 });
    const events = await auditActions(acme.org.id, token.id);
    expect(events.map((e) => e.action)).toEqual(["token.created", "token.updated"]);
    expect(JSON.parse(events[1]!.metadata)).toEqual({
      changes: { scopes: { before: ["report:read", "repo"], after: ["report"] }, quotaMax: { before: 1000, after: 500 } },
    });

    // Lowering the maximum below what was used leaves nothing, not a negative allowance.
    expect(await updateToken(actorFor(acme), acme.org.id, token.id, { quotaMax: 50 })).toMatchObject({ quotaRemaining: 0 });
    // A patch that changes nothing writes nothing.
    await updateToken(actorFor(acme), acme.org.id, token.id, { name: "Deploy bot" });
    expect((await auditActions(acme.org.id, token.id)).length).toBe(3);
  });

  it("refuses an edit based on a stale version", async () => {
    const { token } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    await updateToken(actorFor(acme), acme.org.id, token.id, { name: "First edit" }, { expectedVersion: 1 });
    await expect(
      updateToken(actorFor(acme), acme.org.id, token.id, { name: "Second edit" }, { expectedVersion: 1 }),
    ).rejects.toBeInstanceOf(TokenConflictError);
    expect((await db.apiToken.findUnique({ where: { id: token.id } }))?.name).toBe("First edit");
  });

  it("rotation without grace ends the old value at once and keeps settings and group id", async () => {
    const { token, plaintext: oldValue } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    const rotated = await rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 0 });
    expect(rotated).not.toBeNull();
    expect(rotated!.token).toMatchObject({
      id: token.id,
      name: SETTINGS.name,
      scopes: SETTINGS.scopes,
      visibility: "ORGANIZATION",
      version: 2,
    });
    expect(rotated!.plaintext).not.toBe(oldValue);
    expect(await liveValueHashes(token.id)).toEqual([hashTokenValue(rotated!.plaintext)]);
    // The replaced value can no longer be revealed: its ciphertext is gone.
    const old = await db.apiTokenValue.findUnique({ where: { hash: hashTokenValue(oldValue) }, select: { ciphertext: true } });
    expect(old?.ciphertext).toBeNull();
    expect(await revealToken(actorFor(acme), acme.org.id, token.id, "MEMBER")).toBe(rotated!.plaintext);
  });

  it("rotation with grace keeps the old value working until the grace period ends", async () => {
    const { token, plaintext: oldValue } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    const rotated = await rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 3600 });
    const live = await liveValueHashes(token.id);
    expect(live).toEqual([hashTokenValue(oldValue), hashTokenValue(rotated!.plaintext)].sort());
    expect(await liveValueHashes(token.id, new Date(Date.now() + 3601_000))).toEqual([hashTokenValue(rotated!.plaintext)]);
    expect(rotated!.token.previousValueValidUntil?.getTime()).toBeGreaterThan(Date.now() + 3500_000);

    // Rotating again without grace ends every earlier value, including the one still in its grace period.
    const again = await rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 0 });
    expect(await liveValueHashes(token.id)).toEqual([hashTokenValue(again!.plaintext)]);
  });

  it("of two rotations from the same version, one wins and the other changes nothing", async () => {
    const { token } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    const results = await Promise.allSettled([
      rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 0, expectedVersion: 1 }),
      rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 0, expectedVersion: 1 }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(TokenConflictError);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof rotateToken>>>).value!;
    expect(await liveValueHashes(token.id)).toEqual([hashTokenValue(winner.plaintext)]);
    expect((await auditActions(acme.org.id, token.id)).filter((e) => e.action === "token.rotated")).toHaveLength(1);
  });

  it("make admin-only, then rotate: one step, two audit entries", async () => {
    const { token } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    const rotated = await rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 0, makeAdminOnly: true });
    expect(rotated!.token.visibility).toBe("ADMIN_ONLY");
    expect(await revealToken(actorFor(acme), acme.org.id, token.id, "MEMBER")).toBeNull();
    const actions = (await auditActions(acme.org.id, token.id)).map((e) => e.action);
    expect(actions).toEqual(["token.created", "token.updated", "token.rotated"]);
  });

  it("disable and enable are recorded once each, and repeated calls change nothing", async () => {
    const { token } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    expect(await setTokenEnabled(actorFor(acme), acme.org.id, token.id, false)).toMatchObject({ status: "DISABLED", version: 2 });
    expect(await setTokenEnabled(actorFor(acme), acme.org.id, token.id, false)).toMatchObject({ status: "DISABLED", version: 2 });
    expect(await setTokenEnabled(actorFor(acme), acme.org.id, token.id, true)).toMatchObject({
      status: "ACTIVE",
      disabledAt: null,
      version: 3,
    });
    expect((await auditActions(acme.org.id, token.id)).map((e) => e.action)).toEqual(["token.created", "token.disabled", "token.enabled"]);
  });

  it("revoke ends every value, destroys ciphertexts, keeps the row, and is final", async () => {
    const { token, plaintext } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    await rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 86_400 });
    const revoked = await revokeToken(actorFor(acme), acme.org.id, token.id);
    expect(revoked).toMatchObject({ status: "REVOKED", previousValueValidUntil: null });
    expect(await liveValueHashes(token.id)).toEqual([]);
    expect(await db.apiTokenValue.count({ where: { tokenId: token.id, ciphertext: { not: null } } })).toBe(0);
    expect(await db.apiTokenValue.count({ where: { hash: hashTokenValue(plaintext) } })).toBe(1);
    await expect(rotateToken(actorFor(acme), acme.org.id, token.id, { graceSeconds: 0 })).rejects.toMatchObject({ reason: "revoked" });
    await expect(setTokenEnabled(actorFor(acme), acme.org.id, token.id, true)).rejects.toMatchObject({ reason: "revoked" });
    await expect(updateToken(actorFor(acme), acme.org.id, token.id, { name: "back" })).rejects.toMatchObject({ reason: "revoked" });
    await expect(revealToken(actorFor(acme), acme.org.id, token.id, "ADMIN")).rejects.toMatchObject({ reason: "revoked" });
  });

  it("reveal follows visibility and records who revealed", async () => {
    const { token: hidden } = await createToken(actorFor(acme), acme.org.id, { ...SETTINGS, visibility: "ADMIN_ONLY" });
    expect(await revealToken(actorFor(acme), acme.org.id, hidden.id, "MEMBER")).toBeNull();
    const memberActor: TokenActor = { kind: "user", userId: acme.member.id, label: acme.member.email, ip: "203.0.113.9", userAgent: null };
    const { token: shared, plaintext } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    expect(await revealToken(memberActor, acme.org.id, shared.id, "MEMBER")).toBe(plaintext);
    const events = await auditActions(acme.org.id, shared.id);
    expect(events.at(-1)).toMatchObject({ action: "token.revealed", actorLabel: acme.member.email, ip: "203.0.113.9" });
    expect(events.map((e) => e.metadata).join()).not.toContain(plaintext);
    expect((await auditActions(acme.org.id, hidden.id)).map((e) => e.action)).toEqual(["token.created"]);
  });

  it("treats another org's token as missing, and changes nothing there", async () => {
    const { token } = await createToken(actorFor(acme), acme.org.id, SETTINGS);
    const outsider = actorFor(other);
    expect(await updateToken(outsider, other.org.id, token.id, { name: "hijacked" })).toBeNull();
    expect(await rotateToken(outsider, other.org.id, token.id, { graceSeconds: 0 })).toBeNull();
    expect(await setTokenEnabled(outsider, other.org.id, token.id, false)).toBeNull();
    expect(await revokeToken(outsider, other.org.id, token.id)).toBeNull();
    expect(await revealToken(outsider, other.org.id, token.id, "ADMIN")).toBeNull();
    const after = await db.apiToken.findUnique({ where: { id: token.id }, select: { name: true, status: true, version: true } });
    expect(after).toEqual({ name: SETTINGS.name, status: "ACTIVE", version: 1 });
    expect((await auditActions(acme.org.id, token.id)).map((e) => e.action)).toEqual(["token.created"]);
    expect(await db.auditEvent.count({ where: { orgId: other.org.id } })).toBe(0);
  });

  // The action wrapper checks the role before the change starts; these calls stand for a change
  // already under way when its admin was removed or demoted.
  it("an admin removed or demoted while a change was under way cannot finish it, and nothing is written", async () => {
    const org = await createTestOrg("recheck");
    const { token } = await createToken(actorFor(org), org.org.id, SETTINGS);
    const secondAdmin = await db.user.create({ data: { email: `second-${org.org.slug}@recheck.test`, name: "Second" } });
    await db.membership.create({ data: { orgId: org.org.id, userId: secondAdmin.id, role: "ADMIN" } });
    const actor: TokenActor = { kind: "user", userId: secondAdmin.id, label: secondAdmin.email, ip: null, userAgent: null };

    await db.membership.update({ where: { userId_orgId: { userId: secondAdmin.id, orgId: org.org.id } }, data: { role: "MEMBER" } });
    const demoted = expect.objectContaining({ name: "RoleChangedError", stillMember: true });
    await expect(rotateToken(actor, org.org.id, token.id, { graceSeconds: 0 })).rejects.toEqual(demoted);
    await expect(updateToken(actor, org.org.id, token.id, { name: "renamed" })).rejects.toEqual(demoted);
    await expect(setTokenEnabled(actor, org.org.id, token.id, false)).rejects.toEqual(demoted);
    await expect(revokeToken(actor, org.org.id, token.id)).rejects.toEqual(demoted);
    await expect(createToken(actor, org.org.id, SETTINGS)).rejects.toEqual(demoted);
    await expect(revealToken(actor, org.org.id, token.id, "ADMIN")).rejects.toEqual(demoted);
    // Still a member: the organization-visible token can be copied as a member.
    expect(await revealToken(actor, org.org.id, token.id, "MEMBER")).toMatch(/^kw_/);

    await db.membership.delete({ where: { userId_orgId: { userId: secondAdmin.id, orgId: org.org.id } } });
    const removed = expect.objectContaining({ name: "RoleChangedError", stillMember: false });
    await expect(rotateToken(actor, org.org.id, token.id, { graceSeconds: 0 })).rejects.toEqual(removed);
    await expect(revealToken(actor, org.org.id, token.id, "MEMBER")).rejects.toEqual(removed);

    const after = await db.apiToken.findUniqueOrThrow({ where: { id: token.id }, select: { name: true, status: true, version: true } });
    expect(after).toEqual({ name: SETTINGS.name, status: "ACTIVE", version: 1 });
    expect(await db.apiToken.count({ where: { orgId: org.org.id } })).toBe(1);
    expect((await auditActions(org.org.id, token.id)).map((e) => e.action)).toEqual(["token.created", "token.revealed"]);
  });
});
