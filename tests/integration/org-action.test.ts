import pg from "pg";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";

import { rotateTokenAction } from "@/lib/actions/tokens";
import { orgAction } from "@/lib/auth/action";
import { databaseProvider, db } from "@/lib/db/client";
import { createToken, rotateToken } from "@/lib/db/token-mutations";

import { actAs, createTestOrg } from "../support/request-as";

// Throwaway actions, one per kind of permission: each records that it ran, so refusals can be shown to change nothing.
const calls: string[] = [];
const renameSchema = z.object({ name: z.string().min(1).max(10) });
const adminOnly = orgAction("tokens:manage", renameSchema, async (input, ctx) => {
  calls.push(`${ctx.org.slug}:${input.name}:${ctx.user.email}:${ctx.ip}`);
  return { ok: true };
});
const anyMember = orgAction("tokens:reveal", z.object({}), async (_input, ctx) => ({ ok: true, data: ctx.role }));

describe("orgAction(permission, schema, fn)", () => {
  let acme: Awaited<ReturnType<typeof createTestOrg>>;
  let other: Awaited<ReturnType<typeof createTestOrg>>;
  beforeAll(async () => {
    acme = await createTestOrg("acme");
    other = await createTestOrg("other");
  });

  it.each([
    ["signed out", null, "UNAUTHENTICATED"],
    ["a member", "member", "FORBIDDEN"],
    ["another org's admin", "otherAdmin", "NOT_FOUND"],
  ] as const)("refuses %s without running the action", async (_label, who, code) => {
    const user = who === null ? null : who === "member" ? acme.member : other.admin;
    await actAs(user);
    const before = calls.length;
    const result = await adminOnly(undefined, { orgSlug: acme.org.slug, name: "x" });
    expect(result).toMatchObject({ ok: false, code });
    expect(calls.length).toBe(before);
  });

  it("runs for the org's admin with the caller's identity and IP", async () => {
    await actAs(acme.admin, { ip: "203.0.113.5" });
    const result = await adminOnly(undefined, { orgSlug: acme.org.slug, name: "ok" });
    expect(result.ok).toBe(true);
    expect(calls.at(-1)).toBe(`${acme.org.slug}:ok:${acme.admin.email}:203.0.113.5`);
  });

  it("accepts FormData, as forms submit it", async () => {
    await actAs(acme.admin);
    const form = new FormData();
    form.set("orgSlug", acme.org.slug);
    form.set("name", "form");
    form.set("$ACTION_ID_abc", "");
    expect((await adminOnly(undefined, form)).ok).toBe(true);
  });

  it("turns bad input and unexpected fields into field errors", async () => {
    await actAs(acme.admin);
    const before = calls.length;
    const tooLong = await adminOnly(undefined, { orgSlug: acme.org.slug, name: "x".repeat(300) });
    expect(tooLong).toMatchObject({ ok: false, code: "INVALID" });
    expect(tooLong.errors?.name?.[0]).toBeTruthy();
    const extra = await adminOnly(undefined, { orgSlug: acme.org.slug, name: "x", orgId: other.org.id });
    expect(extra.errors?.orgId).toEqual(["This field cannot be set."]);
    expect(calls.length).toBe(before);
  });

  it("refuses a session that has ended", async () => {
    await actAs(acme.admin);
    await db.session.deleteMany({ where: { userId: acme.admin.id } });
    expect(await adminOnly(undefined, { orgSlug: acme.org.slug, name: "x" })).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("a permission members hold lets members and admins in, and nobody else", async () => {
    await actAs(acme.member);
    expect(await anyMember(undefined, { orgSlug: acme.org.slug })).toMatchObject({ ok: true, data: "MEMBER" });
    await actAs(other.admin);
    expect(await anyMember(undefined, { orgSlug: acme.org.slug })).toMatchObject({ ok: false, code: "NOT_FOUND" });
    await actAs(acme.admin);
    expect(await anyMember(undefined, { orgSlug: "no-such-org" })).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("an admin removed or demoted after the check, while the action runs, is refused and the token is unchanged", async () => {
    const org = await createTestOrg("race");
    const settings = {
      name: "CI",
      scopes: ["report"],
      visibility: "ADMIN_ONLY",
      quotaMax: 10,
      quotaWindow: "DAILY",
      expiresAt: null,
    } as const;
    const actor = { kind: "user", userId: org.admin.id, label: org.admin.email, ip: null, userAgent: null } as const;
    const { token } = await createToken(actor, org.org.id, settings);
    // Stands for another admin's removal or demotion landing between the wrapper's check and the change.
    const rotateAfter = (change: () => Promise<unknown>) =>
      orgAction("tokens:manage", z.object({}), async (_input, ctx) => {
        await change();
        await rotateToken({ ...actor, userId: ctx.user.id }, ctx.org.id, token.id, { graceSeconds: 0 });
        return { ok: true };
      });
    const membership = { userId_orgId: { userId: org.admin.id, orgId: org.org.id } };
    await actAs(org.admin);
    const demoted = await rotateAfter(() => db.membership.update({ where: membership, data: { role: "MEMBER" } }))(undefined, {
      orgSlug: org.org.slug,
    });
    expect(demoted).toMatchObject({ ok: false, code: "FORBIDDEN" });
    await db.membership.update({ where: membership, data: { role: "ADMIN" } });
    const removed = await rotateAfter(() => db.membership.delete({ where: membership }))(undefined, { orgSlug: org.org.slug });
    expect(removed).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: token.id }, select: { version: true } })).toEqual({ version: 1 });
    expect(await db.apiTokenValue.count({ where: { tokenId: token.id } })).toBe(1);
  });

  it.each([
    ["busy", Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }), /busy/],
    ["out of space", { kind: "postgres", code: "53100", message: "could not extend file" }, /out of space/],
    ["out of reach", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), /cannot reach/],
  ])("a database that is %s gives a clear refusal, not a 500", async (_label, failure, message) => {
    const failing = orgAction("tokens:manage", z.object({}), async () => {
      throw new Error("query failed", { cause: failure });
    });
    await actAs(acme.admin);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const result = await failing(undefined, { orgSlug: acme.org.slug });
      expect(result).toMatchObject({ ok: false, code: "UNAVAILABLE", message: expect.stringMatching(message) });
    } finally {
      error.mockRestore();
    }
  });

  it("any other failure is still thrown (a real bug must not pass for a busy database)", async () => {
    const failing = orgAction("tokens:manage", z.object({}), async () => {
      throw new TypeError("a bug");
    });
    await actAs(acme.admin);
    await expect(failing(undefined, { orgSlug: acme.org.slug })).rejects.toThrow("a bug");
  });
});

// A dashboard change that waits on a lock held longer than the dashboard's lock timeout (10 s)
// is refused as "busy" and writes nothing, instead of hanging the request or failing with a 500.
// PostgreSQL only: there a row lock is this test's alone; on SQLite the only lock is the whole
// database, which would stall every other test file sharing it (the REST API's SQLite lock case is
// in security-faults.test.ts, and SQLITE_BUSY maps the same way: org-action.test.ts).
if (databaseProvider === "postgresql") {
  describe("a dashboard change under a lock held too long (PostgreSQL)", () => {
    it("is refused as busy, writes nothing, and succeeds once the lock is gone", async () => {
      const { org, admin } = await createTestOrg("locked");
      const actor = { kind: "user", userId: admin.id, label: admin.email, ip: null, userAgent: null } as const;
      const { token } = await createToken(actor, org.id, {
        name: "Locked",
        scopes: ["report"],
        visibility: "ADMIN_ONLY",
        quotaMax: 5,
        quotaWindow: "DAILY",
        expiresAt: null,
      });
      const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await holder.connect();
      const error = vi.spyOn(console, "error").mockImplementation(() => {});
      try {
        await holder.query("BEGIN");
        await holder.query(`SELECT 1 FROM "ApiToken" WHERE "id" = $1 FOR UPDATE`, [token.id]);
        await actAs(admin);
        const refused = await rotateTokenAction(undefined, { orgSlug: org.slug, tokenId: token.id, graceHours: "0" });
        expect(refused).toMatchObject({ ok: false, code: "UNAVAILABLE", message: expect.stringMatching(/busy/) });
        expect(refused.data).toBeUndefined();
        await holder.query("ROLLBACK");

        expect(await db.apiTokenValue.count({ where: { tokenId: token.id } })).toBe(1);
        expect(await db.auditEvent.count({ where: { targetId: token.id, action: "token.rotated" } })).toBe(0);
        const retried = await rotateTokenAction(undefined, { orgSlug: org.slug, tokenId: token.id, graceHours: "0" });
        expect(retried.ok).toBe(true);
      } finally {
        error.mockRestore();
        await holder.end();
      }
    }, 60_000);
  });
}
