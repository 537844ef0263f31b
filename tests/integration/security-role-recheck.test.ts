import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";

import { invokeAction, serverActionsInCode, toFormData, type ServerAction } from "../security/actions";
import { ACTIONS, type ActionEntry } from "../security/registry";
import { installStatementLog, isWrite, recordStatements, writesWithoutRoleRecheck } from "../security/statement-log";
import { actAsCaller, addToken, createWorld, worldSnapshot, type World, type WorldSnapshot } from "../security/world";

// "A person's role is checked again inside the transaction of every change" (SECURITY.md), for
// every server action in the registry, so a new action or a new write cannot leave it out:
//
// 1. Structurally: every statement an org action sends to the database is recorded at the driver
//    (tests/security/statement-log.ts), including the bulk run it leaves going in the background.
//    Each write must sit in a transaction that first locked the org's memberships and then read
//    the caller's membership row; a write outside a transaction, or in one that skipped the
//    re-check, fails the test. A check that only looked for inPermittedTransaction in the source
//    would miss a write made before it or in a second transaction; this sees the writes themselves.
// 2. By behaviour: the caller is demoted or removed (for what members may do: removed) at the last
//    moment the action wrapper cannot see, just before the action's first transaction begins. The
//    call must answer as for a non-admin (non-member) and change nothing else.
//
// Actions without an org (sign-in, sign-out, accepting an invitation) have no role to re-check.

let actions: Map<string, ServerAction>;

beforeAll(async () => {
  await installStatementLog();
  actions = await serverActionsInCode();
});

const ORG_ACTIONS = Object.entries(ACTIONS).filter(([, entry]) => !entry.public);
const membersMayCall = (entry: ActionEntry) => entry.expected.member !== "FORBIDDEN";

function inputFor(entry: ActionEntry, input: Record<string, unknown>, world: World) {
  const full = { ...input, orgSlug: world.a.org.slug };
  return entry.form ? toFormData(full) : full;
}

async function callerFor(world: World, caller: "admin" | "member") {
  const user = caller === "admin" ? world.a.admin : world.a.member;
  // Recently active: the session check then writes nothing, so every write recorded is the action's.
  await db.user.update({ where: { id: user.id }, data: { lastActiveAt: new Date() } });
  await actAsCaller(world, caller);
  return user;
}

/** Waits for the bulk runs a call started (a new incident, or one it resumed) to stop running. */
async function backgroundRunsFinished(world: World, before: WorldSnapshot): Promise<void> {
  const known = new Set(before.a.incidents.map((incident) => incident.id));
  const resumedBefore = new Set(before.a.audit.filter((event) => event.action === "incident.resumed").map((event) => event.id));
  const resumed = await db.auditEvent.findMany({
    where: { orgId: world.a.org.id, action: "incident.resumed" },
    select: { id: true, targetId: true },
  });
  const started = await db.incident.findMany({ where: { orgId: world.a.org.id }, select: { id: true } });
  const ids = [
    ...started.map((incident) => incident.id).filter((id) => !known.has(id)),
    ...resumed.filter((event) => !resumedBefore.has(event.id)).map((event) => event.targetId!),
  ];
  const deadline = Date.now() + 20_000;
  while ((await db.incident.count({ where: { id: { in: ids }, status: "RUNNING" } })) > 0) {
    if (Date.now() > deadline) throw new Error(`the bulk run of incident ${ids.join(", ")} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("every write an org action makes is re-checked inside its transaction", () => {
  const cells = ORG_ACTIONS.flatMap(([id, entry]) =>
    (membersMayCall(entry) ? (["admin", "member"] as const) : (["admin"] as const)).map((caller) => [id, caller, entry] as const),
  );

  it.each(cells)("%s as %s", async (id, caller, entry) => {
    const world = await createWorld();
    const input = inputFor(entry, await entry.input(world), world);
    const user = await callerFor(world, caller);
    const before = await worldSnapshot(world);

    const { result: call, statements } = await recordStatements(() => invokeAction(actions.get(id)!, input, entry.form));
    // Still recorded: the run continues in the call's context.
    await backgroundRunsFinished(world, before);

    expect(call.error, String(call.error)).toBeUndefined();
    expect(call.outcome, JSON.stringify(call.result)).toBe(entry.expected[caller]);
    // The recorder saw the call's writes: some were recorded exactly when the database changed.
    const changed = !isDeepStrictEqual(await worldSnapshot(world), before);
    expect(statements.some(isWrite), "writes recorded vs. database changed").toBe(changed);
    expect(writesWithoutRoleRecheck(statements, { userId: user.id, orgId: world.a.org.id })).toEqual([]);
  });
});

describe("an admin demoted or removed after the action's authorization, before its transaction", () => {
  // Admin-only actions: demoted to member (FORBIDDEN) or removed (NOT_FOUND, as for any outsider,
  // whatever the action). What members may do too: removed from the org.
  const cells = ORG_ACTIONS.flatMap(([id, entry]) =>
    (membersMayCall(entry) ? (["remove"] as const) : (["demote", "remove"] as const)).map((change) => [id, change, entry] as const),
  );

  it.each(cells)("%s, %sd: refused, and nothing changes but the membership", async (id, change, entry) => {
    const world = await createWorld();
    const input = inputFor(entry, await entry.input(world), world);
    const admin = await callerFor(world, "admin");
    const before = await worldSnapshot(world);
    const demote = change === "demote";
    let atChange: WorldSnapshot | null = null;

    const { result: call } = await recordStatements(() => invokeAction(actions.get(id)!, input, entry.form), {
      beforeFirstTransaction: async () => {
        await changeMembership(world, admin.id, change);
        atChange = await worldSnapshot(world);
      },
    });

    expect(call.error, String(call.error)).toBeUndefined();
    if (atChange === null) {
      // No transaction, so no write (the first describe fails any write outside one): nothing to refuse.
      expect(call.outcome, JSON.stringify(call.result)).toBe(entry.expected.admin);
      expect(await worldSnapshot(world)).toEqual(before);
      return;
    }
    expect(call.outcome, JSON.stringify(call.result)).toBe(demote ? "FORBIDDEN" : "NOT_FOUND");
    expect(await worldSnapshot(world)).toEqual(atChange);
  });
});

async function changeMembership(world: World, userId: string, change: "demote" | "remove") {
  const where = { userId_orgId: { userId, orgId: world.a.org.id } };
  if (change === "demote") await db.membership.update({ where, data: { role: "MEMBER" } });
  else await db.membership.delete({ where });
}

// The three writes of the finding, spelled out: what an admin would see and what stays as it was.
describe("incident writes by an admin who lost the role mid-request", () => {
  const call = async (world: World, id: string, input: Record<string, unknown>, change: "demote" | "remove") => {
    await callerFor(world, "admin");
    const { result } = await recordStatements(() => invokeAction(actions.get(id)!, { ...input, orgSlug: world.a.org.slug }), {
      beforeFirstTransaction: () => changeMembership(world, world.a.admin.id, change),
    });
    return result;
  };
  const refusal = {
    demote: { code: "FORBIDDEN", message: "Only organization admins can do this." },
    remove: { code: "NOT_FOUND", message: "Not found." },
  };
  const adminsAudit = (world: World) => db.auditEvent.count({ where: { orgId: world.a.org.id, actorUserId: world.a.admin.id } });

  it.each(["demote", "remove"] as const)("starting a bulk operation (%s): no incident is recorded and no token changes", async (change) => {
    const world = await createWorld();
    const token = await addToken(world.a.org.id);
    const auditBefore = await adminsAudit(world);
    const input = { action: "DISABLE", graceHours: "0", expectedCount: "1", confirmSlug: world.a.org.slug, tokenIds: token.id };
    const answer = await call(world, "incidents#createIncidentAction", input, change);
    expect(answer.result).toEqual({ ok: false, ...refusal[change] });
    expect(await db.incident.count({ where: { orgId: world.a.org.id } })).toBe(0);
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: token.id }, select: { status: true, version: true } })).toEqual({
      status: "ACTIVE",
      version: 1,
    });
    expect(await adminsAudit(world)).toBe(auditBefore);
  });

  it.each(["demote", "remove"] as const)("changing the incident settings (%s): the org's policy stays as it was", async (change) => {
    const world = await createWorld();
    const settings = { leakedTokenPolicy: true, maxTokenLifetimeDays: true } as const;
    const before = await db.org.findUniqueOrThrow({ where: { id: world.a.org.id }, select: settings });
    const auditBefore = await adminsAudit(world);
    const answer = await call(
      world,
      "incidents#updateIncidentSettingsAction",
      { leakedTokenPolicy: "FLAG", maxTokenLifetimeDays: "30" },
      change,
    );
    expect(answer.result).toEqual({ ok: false, ...refusal[change] });
    expect(await db.org.findUniqueOrThrow({ where: { id: world.a.org.id }, select: settings })).toEqual(before);
    expect(before).not.toEqual({ leakedTokenPolicy: "FLAG", maxTokenLifetimeDays: 30 });
    expect(await adminsAudit(world)).toBe(auditBefore);
  });

  it.each(["demote", "remove"] as const)("dismissing a leak report (%s): the token still shows it", async (change) => {
    const world = await createWorld();
    const token = await addToken(world.a.org.id, { leakReported: true });
    const auditBefore = await adminsAudit(world);
    const answer = await call(world, "incidents#dismissLeakReportAction", { tokenId: token.id }, change);
    expect(answer.result).toEqual({ ok: false, ...refusal[change] });
    const after = await db.apiToken.findUniqueOrThrow({
      where: { id: token.id },
      select: { leakReportedAt: true, leakReportSource: true },
    });
    expect(after.leakReportedAt).not.toBeNull();
    expect(after.leakReportSource).toBe("test");
    expect(await adminsAudit(world)).toBe(auditBefore);
  });
});
