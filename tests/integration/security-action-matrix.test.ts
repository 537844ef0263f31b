import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { declaredPermission } from "@/lib/auth/action";
import { can } from "@/lib/auth/permissions";
import { db } from "@/lib/db/client";

import { invokeAction, serverActionsInCode, toFormData, type ServerAction } from "../security/actions";
import { ACTIONS, MASS_ASSIGNMENT_FIELDS, type ActionEntry } from "../security/registry";
import { actAsCaller, CALLERS, createWorld, TOKEN_VALUE_PATTERN, worldSnapshot, type Caller } from "../security/world";

// The authorization matrix of the dashboard: every server action in the code × every kind of
// caller, called as a crafted POST would call it. Each cell checks the answer and that nothing
// changed where nothing may change (both orgs for a refusal; the other org for an allowed call).

let actions: Map<string, ServerAction>;

beforeAll(async () => {
  actions = await serverActionsInCode();
});

afterAll(async () => {
  // Allowed bulk operations continue in the background; let them finish before the database goes.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await db.incident.count({ where: { status: "RUNNING", leaseUntil: { gt: new Date() } } })) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

const REFUSALS = new Set(["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN", "INVALID", "CONFLICT", "refused"]);

function inputFor(entry: ActionEntry, input: Record<string, unknown>, orgSlug: string): Record<string, unknown> | FormData {
  const full = entry.public ? input : { ...input, orgSlug };
  return entry.form ? toFormData(full) : full;
}

describe("the registry covers the code", () => {
  it("lists every exported server action, and nothing that no longer exists", () => {
    const inCode = [...actions.keys()].sort();
    const listed = Object.keys(ACTIONS).sort();
    expect(
      inCode.filter((id) => !listed.includes(id)),
      "server actions without an expected outcome in tests/security/registry.ts",
    ).toEqual([]);
    expect(
      listed.filter((id) => !inCode.includes(id)),
      "registry entries for actions that no longer exist",
    ).toEqual([]);
    expect(inCode.length).toBeGreaterThan(20);
  });

  it("names, for every org action, the permission its code declares, and members are refused exactly what they lack", () => {
    for (const [id, entry] of Object.entries(ACTIONS)) {
      const declared = declaredPermission(actions.get(id)!);
      if (entry.public) {
        expect(declared, `${id} is public in the registry but declared with a permission`).toBeUndefined();
        continue;
      }
      expect(declared, `${id}: the permission in tests/security/registry.ts`).toBe(entry.permission);
      expect(entry.expected.member === "FORBIDDEN", `${id}: a member's outcome vs. can("MEMBER", "${declared}")`).toBe(
        !can("MEMBER", declared!),
      );
    }
  });

  it("declares an outcome for every caller of every action", () => {
    for (const [id, entry] of Object.entries(ACTIONS)) {
      expect(Object.keys(entry.expected).sort(), id).toEqual([...CALLERS].sort());
    }
  });
});

const CELLS = Object.entries(ACTIONS).flatMap(([id, entry]) =>
  CALLERS.map((caller) => [id, caller, entry.expected[caller], entry] as const),
);

describe("every action × every caller", () => {
  it.each(CELLS)("%s as %s → %s", async (id, caller, expected, entry) => {
    const action = actions.get(id);
    if (!action) throw new Error(`${id} is not in the code (see the coverage test)`);
    const world = await createWorld();
    const input = inputFor(entry, await entry.input(world), world.a.org.slug);
    await actAsCaller(world, caller);
    const before = await worldSnapshot(world);

    const call = await invokeAction(action, input, entry.form);

    expect(call.error, String(call.error)).toBeUndefined();
    expect(call.outcome, JSON.stringify(call.result)).toBe(expected);
    const after = await worldSnapshot(world);
    if (REFUSALS.has(expected)) {
      expect(after, "a refused call changed something").toEqual(before);
      expect(JSON.stringify(call.result ?? null)).not.toMatch(TOKEN_VALUE_PATTERN);
      expect((call.result as { data?: unknown } | undefined)?.data).toBeUndefined();
    } else {
      const allowed = entry.mayChange?.[caller] ?? ["a"];
      for (const org of ["a", "b"] as const) {
        if (!allowed.includes(org)) expect(after[org], `an allowed call changed org ${org.toUpperCase()}`).toEqual(before[org]);
      }
    }
  });
});

describe("another org's objects in every id field", () => {
  const cells = Object.entries(ACTIONS).filter(([, entry]) => entry.foreignIds);

  it("covers every action that takes an id", () => {
    // Actions without an id field (create, settings, invite, leave, sign-in…) have nothing to swap.
    const idless = Object.keys(ACTIONS)
      .filter((id) => !ACTIONS[id]!.foreignIds)
      .sort();
    expect(idless).toEqual(
      [
        "incidents#updateIncidentSettingsAction",
        "invitations#acceptInvitation",
        "invitations#acceptInvitationWithPassword",
        "invitations#acceptPendingInvitation",
        "invitations#continueInvitationWithGithub",
        "invitations#inviteMembers",
        "members#leaveOrganization",
        "members#updateGithubJoinSetting",
        "services#createServiceAction",
        "repos#createRepoAction",
        "repos#createRepoLabelAction",
        "session#signInWithGithub",
        "session#signInWithPassword",
        "session#signOutAction",
        "tokens#createTokenAction",
        "webhooks#createWebhookAction",
      ].sort(),
    );
  });

  it.each(cells)("%s: org A's admin naming org B's objects is refused and nothing changes", async (id, entry) => {
    const world = await createWorld();
    const input = inputFor(entry, await entry.foreignIds!(world), world.a.org.slug);
    await actAsCaller(world, "admin");
    const before = await worldSnapshot(world);
    const call = await invokeAction(actions.get(id)!, input, entry.form);
    expect(call.error, String(call.error)).toBeUndefined();
    const after = await worldSnapshot(world);
    if (entry.foreignExpected) {
      // An answer of "nothing found" is itself audited in org A; nothing else may change.
      expect(call.outcome).toBe(entry.foreignExpected);
      expect({ ...after, a: { ...after.a, audit: [] } }).toEqual({ ...before, a: { ...before.a, audit: [] } });
    } else {
      expect(REFUSALS.has(call.outcome), `${call.outcome}: ${JSON.stringify(call.result)}`).toBe(true);
      expect(after).toEqual(before);
    }
    // Nothing about org B's objects comes back: no value, no name, no id.
    const answer = JSON.stringify(call.result ?? null);
    expect(answer).not.toMatch(TOKEN_VALUE_PATTERN);
    const foreign = await db.apiToken.findMany({ where: { orgId: world.b.org.id }, select: { id: true, name: true } });
    for (const token of foreign) {
      expect(answer).not.toContain(token.id);
      expect(answer).not.toContain(token.name);
    }
  });
});

describe("mass assignment: fields the form never sends", () => {
  const orgActions = Object.entries(ACTIONS).filter(([, entry]) => !entry.public);

  it.each(orgActions)("%s refuses orgId, role, hash, remaining… as field errors and changes nothing", async (id, entry) => {
    const world = await createWorld();
    const input = await entry.input(world);
    // Only fields the action does not take itself (changeMemberRole takes a role, for example).
    const extra = Object.fromEntries(
      Object.entries(MASS_ASSIGNMENT_FIELDS(world)).filter(([key]) => !(key in input) && !entry.takes?.includes(key)),
    );
    await actAsCaller(world, "admin");
    const before = await worldSnapshot(world);
    const call = await invokeAction(actions.get(id)!, inputFor(entry, { ...input, ...extra }, world.a.org.slug), entry.form);
    expect(call.outcome, JSON.stringify(call.result)).toBe("INVALID");
    const errors = (call.result as { errors?: Record<string, string[]> }).errors ?? {};
    expect(Object.keys(errors).sort()).toEqual(Object.keys(extra).sort());
    expect(await worldSnapshot(world)).toEqual(before);
  });

  it.each(orgActions)(
    "%s refuses fields named like Object's own properties (constructor, __proto__, toString) as field errors",
    async (id, entry) => {
      const world = await createWorld();
      const input = { ...(await entry.input(world)), orgSlug: world.a.org.slug };
      const crafted = JSON.parse(
        `{${Object.entries(input)
          .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
          .join(",")},"constructor":"x","__proto__":"x","toString":"x","hasOwnProperty":"x"}`,
      ) as Record<string, unknown>;
      await actAsCaller(world, "admin");
      const before = await worldSnapshot(world);
      const call = await invokeAction(actions.get(id)!, entry.form ? toFormData(crafted) : crafted, entry.form);
      expect(call.error, String(call.error)).toBeUndefined();
      expect(call.outcome).toBe("INVALID");
      expect(Object.keys((call.result as { errors: object }).errors).sort()).toEqual([
        "__proto__",
        "constructor",
        "hasOwnProperty",
        "toString",
      ]);
      expect(await worldSnapshot(world)).toEqual(before);
    },
  );

  it("an invitation accepted with role=ADMIN and another org's id joins with the invited role, in the invited org only", async () => {
    const entry = ACTIONS["invitations#acceptInvitationWithPassword"]!;
    const world = await createWorld();
    const input = await entry.input(world);
    await actAsCaller(world, "signed out");
    const beforeB = (await worldSnapshot(world)).b;
    const call = await invokeAction(actions.get("invitations#acceptInvitationWithPassword")!, {
      ...input,
      ...MASS_ASSIGNMENT_FIELDS(world),
    });
    expect(call.outcome).toBe("redirect");
    const joined = await db.membership.findMany({
      where: { user: { name: "New Person", email: { endsWith: "@sec.test" } }, orgId: { in: [world.a.org.id, world.b.org.id] } },
    });
    expect(joined.map((m) => [m.orgId, m.role])).toEqual([[world.a.org.id, "MEMBER"]]);
    expect((await worldSnapshot(world)).b).toEqual(beforeB);
  });
});

export type { Caller };
