import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";

import {
  createIncidentAction,
  dismissLeakReportAction,
  endGraceAction,
  endIncidentGraceAction,
  lookupTokenAction,
  quickDisableAction,
  quickRotateAction,
  resumeIncidentAction,
  updateIncidentSettingsAction,
} from "@/lib/actions/incidents";
import type { ActionInput, ActionState } from "@/lib/auth/action";
import { db } from "@/lib/db/client";
import { createIncident, runIncident, selectIncidentTokens, type LookupResult } from "@/lib/db/incidents";
import { listGraceTraffic } from "@/lib/db/queries/incidents";
import { createService, rotateServiceKey } from "@/lib/db/service-mutations";
import {
  createToken,
  revokeToken,
  rotateToken,
  TokenPolicyError,
  updateToken,
  type NewTokenInput,
  type TokenActor,
} from "@/lib/db/token-mutations";
import { insertUsageWithRollups } from "@/lib/db/usage-rollups";
import { hashTokenValue } from "@/lib/tokens";
import { incidentFilterSchema } from "@/lib/validations/incident";

import { actAs, createTestOrg } from "../support/request-as";
import { usageRow } from "../support/usage";

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;
type Action = (prev: ActionState<never> | undefined, input: ActionInput) => Promise<ActionState<unknown>>;

const BASE: NewTokenInput = {
  name: "token",
  scopes: ["report:read"],
  visibility: "ORGANIZATION",
  quotaMax: 1000,
  quotaWindow: "MONTHLY",
  expiresAt: null,
};

function actorFor(org: TestOrg, user: "admin" | "member" = "admin"): TokenActor & { kind: "user" } {
  const u = org[user];
  return { kind: "user", userId: u.id, label: u.email, ip: "192.0.2.1", userAgent: "vitest" };
}

async function call<T>(action: unknown, input: Record<string, unknown>): Promise<ActionState<T>> {
  return (action as Action)(undefined, input) as Promise<ActionState<T>>;
}

async function waitForIncident(incidentId: string) {
  for (let i = 0; i < 500; i++) {
    const incident = await db.incident.findUniqueOrThrow({ where: { id: incidentId } });
    if (incident.status === "COMPLETED") return incident;
    await sleep(20);
  }
  throw new Error("incident did not finish");
}

/** True when the value would authenticate at `now` (what the API's charge checks). */
async function valueWorks(plaintext: string, now = new Date()) {
  const value = await db.apiTokenValue.findUnique({
    where: { hash: hashTokenValue(plaintext) },
    select: { validUntil: true, token: { select: { status: true, expiresAt: true } } },
  });
  if (!value) return false;
  return (
    value.token.status === "ACTIVE" &&
    (value.validUntil === null || value.validUntil > now) &&
    (value.token.expiresAt === null || value.token.expiresAt > now)
  );
}

describe("bulk operations through the server action", () => {
  let acme: TestOrg;
  let other: TestOrg;
  let tokens: { id: string; plaintext: string }[];

  beforeAll(async () => {
    acme = await createTestOrg("acme");
    other = await createTestOrg("other");
    tokens = [];
    for (let i = 0; i < 4; i++) {
      const { token, plaintext } = await createToken(actorFor(acme), acme.org.id, { ...BASE, name: `svc-${i}` });
      tokens.push({ id: token.id, plaintext });
    }
  });

  const disableAll = (org: TestOrg, extra: Record<string, unknown> = {}) => ({
    orgSlug: org.org.slug,
    action: "DISABLE",
    expectedCount: "4",
    confirmSlug: org.org.slug,
    ...extra,
  });

  it.each([
    ["org member", "member", "FORBIDDEN"],
    ["other org's admin", "other", "NOT_FOUND"],
    ["signed out", null, "UNAUTHENTICATED"],
  ] as const)("refuses a %s and changes nothing", async (_label, who, code) => {
    const before = await db.auditEvent.count({ where: { orgId: acme.org.id } });
    await actAs(who === "member" ? acme.member : who === "other" ? other.admin : null);
    const result = await call(createIncidentAction, disableAll(acme));
    expect(result).toMatchObject({ ok: false, code });
    expect(await db.incident.count({ where: { orgId: acme.org.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { orgId: acme.org.id } })).toBe(before);
  });

  it("checks the typed slug on the server, and refuses crafted fields", async () => {
    await actAs(acme.admin);
    expect(await call(createIncidentAction, disableAll(acme, { confirmSlug: "acme" }))).toMatchObject({
      ok: false,
      code: "INVALID",
      errors: { confirmSlug: [expect.stringContaining(acme.org.slug)] },
    });
    expect(await call(createIncidentAction, disableAll(acme, { confirmSlug: undefined }))).toMatchObject({ ok: false, code: "INVALID" });
    expect(await call(createIncidentAction, disableAll(acme, { orgId: other.org.id }))).toMatchObject({
      ok: false,
      errors: { orgId: ["This field cannot be set."] },
    });
    expect(await call(createIncidentAction, disableAll(acme, { action: "DELETE_EVERYTHING" }))).toMatchObject({
      ok: false,
      errors: { action: expect.any(Array) },
    });
    expect(await call(createIncidentAction, disableAll(acme, { graceHours: "999", action: "ROTATE" }))).toMatchObject({
      ok: false,
      errors: { graceHours: expect.any(Array) },
    });
    expect(await call(createIncidentAction, disableAll(acme, { usedFrom: "10.0.0.0/99" }))).toMatchObject({
      ok: false,
      errors: { usedFrom: expect.any(Array) },
    });
    expect(await call(createIncidentAction, disableAll(acme, { tokenIds: ["not-a-uuid"] }))).toMatchObject({
      ok: false,
      errors: { "tokenIds.0": expect.any(Array) },
    });
    expect(await db.incident.count({ where: { orgId: acme.org.id } })).toBe(0);
  });

  it("refuses when the selection changed since the preview", async () => {
    await actAs(acme.admin);
    const result = await call(createIncidentAction, disableAll(acme, { expectedCount: "3" }));
    expect(result).toMatchObject({ ok: false, code: "CONFLICT", message: expect.stringContaining("4 tokens match now") });
    expect(await db.incident.count({ where: { orgId: acme.org.id } })).toBe(0);
  });

  it("tokens of another org are never selected, even by explicit id", async () => {
    const { token: foreign } = await createToken(actorFor(other), other.org.id, BASE);
    const selected = await selectIncidentTokens(acme.org.id, incidentFilterSchema.parse({ tokenIds: [foreign.id, tokens[0]!.id] }));
    expect(selected.map((t) => t.id)).toEqual([tokens[0]!.id]);
  });

  it("disables every selected token, one audit event each with the incident id, and can be resumed only when stalled", async () => {
    await actAs(acme.admin);
    const result = await call<{ incidentId: string }>(createIncidentAction, disableAll(acme));
    expect(result).toMatchObject({ ok: true });
    const incidentId = result.data!.incidentId;
    await waitForIncident(incidentId);
    for (const token of tokens) expect(await valueWorks(token.plaintext)).toBe(false);
    const events = await db.auditEvent.findMany({
      where: { orgId: acme.org.id, action: "token.disabled" },
      select: { targetId: true, metadata: true },
    });
    expect(events.map((e) => e.targetId).sort()).toEqual(tokens.map((t) => t.id).sort());
    for (const event of events) expect(JSON.parse(event.metadata)).toMatchObject({ incidentId });
    expect(await call(resumeIncidentAction, { orgSlug: acme.org.slug, incidentId })).toMatchObject({
      ok: false,
      message: "This incident is already complete.",
    });

    // Disabling them again: nothing to do, every item is skipped with the reason.
    const again = await call<{ incidentId: string }>(createIncidentAction, { ...disableAll(acme), status: "DISABLED" });
    await waitForIncident(again.data!.incidentId);
    const items = await db.incidentItem.findMany({ where: { incidentId: again.data!.incidentId } });
    expect(items.map((i) => [i.state, i.note])).toEqual(tokens.map(() => ["SKIPPED", "Already disabled."]));
  });

  it("a stalled incident (its runner died) resumes from where it stopped", async () => {
    const org = await createTestOrg("stall");
    const created: Awaited<ReturnType<typeof createToken>>[] = [];
    for (let i = 0; i < 3; i++) created.push(await createToken(actorFor(org), org.org.id, BASE));
    const { incidentId } = await createIncident(actorFor(org), org.org.id, {
      action: "REVOKE",
      graceSeconds: 0,
      filter: incidentFilterSchema.parse({}),
      expectedCount: 3,
    });
    // As if a runner had claimed it and died: the lease has lapsed.
    await db.incident.update({ where: { id: incidentId }, data: { leaseUntil: new Date(Date.now() - 1000) } });
    await revokeToken(actorFor(org), org.org.id, created[0]!.token.id);
    await actAs(org.admin);
    expect(await call(resumeIncidentAction, { orgSlug: org.org.slug, incidentId })).toMatchObject({ ok: true });
    await waitForIncident(incidentId);
    const items = await db.incidentItem.findMany({ where: { incidentId }, orderBy: { tokenId: "asc" } });
    expect(items.filter((i) => i.state === "DONE")).toHaveLength(2);
    expect(items.find((i) => i.tokenId === created[0]!.token.id)).toMatchObject({ state: "SKIPPED", note: "Already revoked." });
    expect(await db.auditEvent.count({ where: { orgId: org.org.id, action: "incident.resumed" } })).toBe(1);
    // Another org's admin cannot resume it.
    await actAs(other.admin);
    expect(await call(resumeIncidentAction, { orgSlug: other.org.slug, incidentId })).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("the filter", () => {
  it("combines visibility, scope (a parent grants its children), creator, dates, addresses and an explicit selection", async () => {
    const org = await createTestOrg("filter");
    const make = (input: Partial<NewTokenInput>, by: "admin" | "member" = "admin") =>
      createToken(actorFor(org, by), org.org.id, { ...BASE, ...input }).then((r) => r.token.id);
    const writer = await make({ name: "writer", scopes: ["report:write"] });
    const parent = await make({ name: "parent", scopes: ["report"] });
    const reader = await make({ name: "reader", scopes: ["report:read"] });
    const hidden = await make({ name: "hidden", scopes: ["report:write"], visibility: "ADMIN_ONLY" });
    // Made while the member was an admin (only admins create tokens).
    const memberRole = { userId_orgId: { userId: org.member.id, orgId: org.org.id } };
    await db.membership.update({ where: memberRole, data: { role: "ADMIN" } });
    const byMember = await make({ name: "by member", scopes: ["repo"] }, "member");
    await db.membership.update({ where: memberRole, data: { role: "MEMBER" } });
    const revoked = await make({ name: "revoked", scopes: ["report:write"] });
    await revokeToken(actorFor(org), org.org.id, revoked);

    const pick = async (filter: Record<string, unknown>) =>
      (await selectIncidentTokens(org.org.id, incidentFilterSchema.parse(filter))).map((t) => t.id).sort();

    expect(await pick({ visibility: "ORGANIZATION", scope: "report:write" })).toEqual([writer, parent].sort());
    expect(await pick({ scope: "report:write" })).toEqual([writer, parent, hidden].sort());
    expect(await pick({ createdBy: org.member.id })).toEqual([byMember]);
    expect(await pick({})).toHaveLength(5); // never the revoked one

    const old = new Date("2020-01-01T00:00:00Z");
    await db.apiToken.update({
      where: { id: reader },
      data: { createdAt: old, lastUsedAt: new Date("2021-06-01T00:00:00Z"), lastUsedIp: "198.51.100.7" },
    });
    await db.apiToken.update({ where: { id: writer }, data: { lastUsedAt: new Date(), lastUsedIp: "203.0.113.9" } });
    // Recorded as the API records it: the event and its rollups (the filter reads the IP breakdown).
    await insertUsageWithRollups(db, [
      {
        requestId: crypto.randomUUID(),
        tokenId: parent,
        valueId: null,
        orgId: org.org.id,
        at: new Date(),
        method: "GET",
        route: "/v0/quota",
        status: 200,
        ip: "2001:db8::5",
        userAgent: null,
        cost: 0,
      },
    ]);
    expect(await pick({ createdBefore: "2021-01-01" })).toEqual([reader]);
    // The recorded call is the parent's last use: it was used since.
    expect(await pick({ notUsedSince: "2022-01-01", visibility: "ORGANIZATION" })).toEqual([reader, byMember].sort());
    expect(await pick({ usedFrom: "198.51.100.0/24" })).toEqual([reader]);
    expect(await pick({ usedFrom: "203.0.113.9" })).toEqual([writer]);
    expect(await pick({ usedFrom: "2001:db8::/32" })).toEqual([parent]);
    expect(await pick({ tokenIds: [writer, hidden, revoked], scope: "report:write" })).toEqual([writer, hidden].sort());
  });
});

describe("grace periods", () => {
  it("end grace now: the old value stops at once, the new one keeps working, once, audited", async () => {
    const org = await createTestOrg("grace");
    const { token, plaintext: oldValue } = await createToken(actorFor(org), org.org.id, BASE);
    const rotated = await rotateToken(actorFor(org), org.org.id, token.id, { graceSeconds: 3600 });
    expect(await valueWorks(oldValue)).toBe(true);
    await actAs(org.member);
    expect(await call(endGraceAction, { orgSlug: org.org.slug, tokenId: token.id })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await valueWorks(oldValue)).toBe(true);
    await actAs(org.admin);
    expect(await call(endGraceAction, { orgSlug: org.org.slug, tokenId: token.id })).toMatchObject({ ok: true });
    expect(await valueWorks(oldValue)).toBe(false);
    expect(await valueWorks(rotated!.plaintext)).toBe(true);
    // The API's cached copy is dropped: the version moved on.
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.id } })).version).toBe(3);
    await call(endGraceAction, { orgSlug: org.org.slug, tokenId: token.id });
    expect(await db.auditEvent.count({ where: { orgId: org.org.id, action: "token.grace_ended" } })).toBe(1);
  });
});

describe("traffic on replaced values", () => {
  it("counts each old value's own calls since its rotation and finds its last use, before the rotation if none since", async () => {
    const org = await createTestOrg("gracetraffic");
    const now = new Date();
    const base = new Date(now.getTime() - 3 * 3600_000);
    const rotatedAt = new Date(base.getTime() + 2 * 3600_000);
    const minutes = (from: Date, n: number) => new Date(from.getTime() + n * 60_000);
    for (const name of ["busy", "quiet", "unused"]) {
      const { token } = await createToken(actorFor(org), org.org.id, { ...BASE, name });
      await rotateToken(actorFor(org), org.org.id, token.id, { graceSeconds: 3600 });
      const values = await db.apiTokenValue.findMany({ where: { tokenId: token.id }, orderBy: { createdAt: "asc" } });
      const old = values.find((value) => value.replacedAt !== null)!;
      // The rotation happened two hours into the old value's life.
      await db.apiTokenValue.update({ where: { id: old.id }, data: { createdAt: base, replacedAt: rotatedAt } });
      const current = values.find((value) => value.id !== old.id)!;
      const row = (valueId: string, at: Date, ip = "198.51.100.1") => usageRow({ id: token.id, orgId: org.org.id, valueId }, { at, ip });
      const tokenRows = {
        busy: [
          row(old.id, minutes(base, 10)),
          row(old.id, minutes(base, 60)),
          row(old.id, minutes(rotatedAt, 1)),
          row(old.id, minutes(rotatedAt, 3), "198.51.100.9"),
          row(old.id, minutes(rotatedAt, 2)),
          ...Array.from({ length: 5 }, (_, i) => row(current.id, minutes(rotatedAt, 5 + i), "198.51.100.50")),
        ],
        quiet: [row(old.id, minutes(base, 60), "198.51.100.7"), row(current.id, minutes(rotatedAt, 30), "198.51.100.50")],
        unused: [row(current.id, minutes(rotatedAt, 30))],
      }[name]!;
      await insertUsageWithRollups(db, tokenRows);
    }
    const traffic = new Map((await listGraceTraffic(org.org.id, 1, now)).rows.map((row) => [row.tokenName, row]));

    expect(traffic.get("busy")).toMatchObject({
      requestsSinceRotation: 3,
      lastUsedAt: minutes(rotatedAt, 3),
      lastUsedIp: "198.51.100.9",
      quietForAnHour: false,
    });
    expect(traffic.get("quiet")).toMatchObject({
      requestsSinceRotation: 0,
      lastUsedAt: minutes(base, 60),
      lastUsedIp: "198.51.100.7",
      quietForAnHour: true,
    });
    expect(traffic.get("unused")).toMatchObject({ requestsSinceRotation: 0, lastUsedAt: null, lastUsedIp: null, quietForAnHour: true });
  });
});

describe("end grace now for a whole rotation", () => {
  it("stops every old value the operation replaced, one audited change each, and leaves other tokens alone", async () => {
    const org = await createTestOrg("endall");
    const inScope = [await createToken(actorFor(org), org.org.id, BASE), await createToken(actorFor(org), org.org.id, BASE)];
    const outside = await createToken(actorFor(org), org.org.id, { ...BASE, visibility: "ADMIN_ONLY" });
    const outsideRotated = await rotateToken(actorFor(org), org.org.id, outside.token.id, { graceSeconds: 3600 });
    const { incidentId } = await createIncident(actorFor(org), org.org.id, {
      action: "ROTATE",
      graceSeconds: 3600,
      filter: incidentFilterSchema.parse({ visibility: "ORGANIZATION" }),
      expectedCount: 2,
    });
    await runIncidentToEnd(incidentId, org);
    for (const t of inScope) expect(await valueWorks(t.plaintext)).toBe(true);

    await actAs(org.member);
    expect(await call(endIncidentGraceAction, { orgSlug: org.org.slug, incidentId })).toMatchObject({ code: "FORBIDDEN" });
    await actAs(org.admin);
    expect(await call(endIncidentGraceAction, { orgSlug: org.org.slug, incidentId })).toMatchObject({
      ok: true,
      message: "2 old values have stopped working.",
    });
    for (const t of inScope) expect(await valueWorks(t.plaintext)).toBe(false);
    expect(await valueWorks(outside.plaintext)).toBe(true);
    expect(await valueWorks(outsideRotated!.plaintext)).toBe(true);
    const ended = await db.auditEvent.findMany({ where: { orgId: org.org.id, action: "token.grace_ended" }, select: { metadata: true } });
    expect(ended).toHaveLength(2);
    for (const event of ended) expect(JSON.parse(event.metadata)).toMatchObject({ incidentId });
    expect(await call(endIncidentGraceAction, { orgSlug: org.org.slug, incidentId })).toMatchObject({
      ok: true,
      message: "No old value was still in its grace period.",
    });
  });
});

async function runIncidentToEnd(incidentId: string, org: TestOrg) {
  expect((await runIncident(incidentId, actorFor(org))).outcome).toBe("completed");
}

describe("expiry policy", () => {
  it("limits the lifetime on create and on a changed expiry, and gives tokens without one the longest allowed", async () => {
    const org = await createTestOrg("expiry");
    await actAs(org.member);
    expect(
      await call(updateIncidentSettingsAction, { orgSlug: org.org.slug, leakedTokenPolicy: "FLAG", maxTokenLifetimeDays: "30" }),
    ).toMatchObject({
      code: "FORBIDDEN",
    });
    const { token: older } = await createToken(actorFor(org), org.org.id, BASE);
    await actAs(org.admin);
    expect(
      await call(updateIncidentSettingsAction, { orgSlug: org.org.slug, leakedTokenPolicy: "DISABLE", maxTokenLifetimeDays: "0" }),
    ).toMatchObject({
      errors: { maxTokenLifetimeDays: expect.any(Array) },
    });
    expect(
      await call(updateIncidentSettingsAction, { orgSlug: org.org.slug, leakedTokenPolicy: "DISABLE", maxTokenLifetimeDays: "30" }),
    ).toMatchObject({
      ok: true,
    });

    const day = 24 * 3600_000;
    const { token } = await createToken(actorFor(org), org.org.id, BASE);
    expect(token.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * day);
    expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 30 * day);
    await expect(createToken(actorFor(org), org.org.id, { ...BASE, expiresAt: new Date(Date.now() + 31 * day) })).rejects.toBeInstanceOf(
      TokenPolicyError,
    );
    await expect(updateToken(actorFor(org), org.org.id, token.id, { expiresAt: null })).rejects.toBeInstanceOf(TokenPolicyError);
    await expect(updateToken(actorFor(org), org.org.id, token.id, { expiresAt: new Date(Date.now() + 40 * day) })).rejects.toBeInstanceOf(
      TokenPolicyError,
    );
    expect(await updateToken(actorFor(org), org.org.id, token.id, { expiresAt: new Date(Date.now() + 10 * day) })).not.toBeNull();
    // A token from before the policy keeps working and can still be renamed.
    expect(await updateToken(actorFor(org), org.org.id, older.id, { name: "renamed", expiresAt: null })).toMatchObject({ name: "renamed" });
    expect(await db.auditEvent.count({ where: { orgId: org.org.id, action: "org.incident_settings_updated" } })).toBe(1);
  });
});

describe("which token is this?", () => {
  it("finds tokens in every org the caller administers, nowhere else, and audits each lookup", async () => {
    const acme = await createTestOrg("lookup");
    const globex = await createTestOrg("lookup2");
    const foreign = await createTestOrg("lookup3");
    // acme's admin also administers globex, and is only a member of `foreign`.
    await db.membership.create({ data: { orgId: globex.org.id, userId: acme.admin.id, role: "ADMIN" } });
    await db.membership.create({ data: { orgId: foreign.org.id, userId: acme.admin.id, role: "MEMBER" } });
    const a = await createToken(actorFor(acme), acme.org.id, { ...BASE, name: "acme deploy" });
    const g = await createToken(actorFor(globex), globex.org.id, { ...BASE, name: "globex ci", scopes: ["repo"] });
    const f = await createToken(actorFor(foreign), foreign.org.id, { ...BASE, name: "secret" });
    const rotated = await rotateToken(actorFor(acme), acme.org.id, a.token.id, { graceSeconds: 600 });
    await db.auditEvent.create({
      data: {
        orgId: acme.org.id,
        actorUserId: acme.member.id,
        actorLabel: acme.member.email,
        action: "token.revealed",
        targetType: "token",
        targetId: a.token.id,
      },
    });
    const typo = a.plaintext.slice(0, -1) + (a.plaintext.endsWith("A") ? "B" : "A");

    await actAs(acme.admin);
    const text = `log line: Authorization: Bearer ${a.plaintext}\nother=${g.plaintext} also ${f.plaintext} and ${typo}`;
    const result = await call<{ results: LookupResult[] }>(lookupTokenAction, { orgSlug: acme.org.slug, text });
    expect(result.ok).toBe(true);
    const [first, second, third, fourth] = result.data!.results;
    expect(first).toMatchObject({
      found: true,
      org: { slug: acme.org.slug },
      token: { id: a.token.id, name: "acme deploy", status: "ACTIVE" },
      value: { state: "grace" },
      revealedBy: [{ label: acme.member.email, times: 1 }],
    });
    expect(second).toMatchObject({
      found: true,
      org: { slug: globex.org.slug },
      token: { name: "globex ci", scopes: ["repo"] },
      value: { state: "current" },
    });
    expect(third).toEqual({ candidate: expect.stringMatching(/^kw_…/), kind: "token", found: false, reason: "not-found" });
    expect(fourth).toMatchObject({ found: false, reason: "checksum" });
    expect(JSON.stringify(result)).not.toContain(a.plaintext);
    expect(JSON.stringify(result)).not.toContain("secret");
    expect(await db.auditEvent.count({ where: { orgId: acme.org.id, action: "token.lookup" } })).toBe(2); // the match, and the miss
    expect(await db.auditEvent.count({ where: { orgId: globex.org.id, action: "token.lookup" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { orgId: foreign.org.id, action: "token.lookup" } })).toBe(0);

    expect(await call(lookupTokenAction, { orgSlug: acme.org.slug, text: "nothing here" })).toMatchObject({
      ok: false,
      errors: { text: expect.any(Array) },
    });
    await actAs(acme.member);
    expect(await call(lookupTokenAction, { orgSlug: acme.org.slug, text })).toMatchObject({ ok: false, code: "FORBIDDEN" });

    // One-click actions run in the token's own org and need admin rights there.
    await actAs(acme.admin);
    const quick = await call<{ value: string }>(quickRotateAction, { orgSlug: globex.org.slug, tokenId: g.token.id, graceHours: "0" });
    expect(quick).toMatchObject({ ok: true });
    expect(await valueWorks(g.plaintext)).toBe(false);
    expect(await valueWorks(quick.data!.value)).toBe(true);
    expect(await call(quickDisableAction, { orgSlug: foreign.org.slug, tokenId: f.token.id })).toMatchObject({ code: "FORBIDDEN" });
    expect(await call(quickDisableAction, { orgSlug: acme.org.slug, tokenId: f.token.id })).toMatchObject({ code: "NOT_FOUND" });
    expect(await valueWorks(f.plaintext)).toBe(true);
    expect(await call(quickDisableAction, { orgSlug: acme.org.slug, tokenId: a.token.id })).toMatchObject({ ok: true });
    expect(await valueWorks(rotated!.plaintext)).toBe(false);
  });
});

describe("which service key is this?", () => {
  const SERVICE = {
    upstreamUrl: "http://127.0.0.1:9/",
    scopes: [{ name: "read", description: "" }],
    routes: [],
    defaultScope: null,
    defaultCost: 1,
  };

  it("names the service of a pasted verification key (kws_) in an org the caller administers; another org's key reveals nothing", async () => {
    const acme = await createTestOrg("keylookup");
    const globex = await createTestOrg("keylookup2");
    const foreign = await createTestOrg("keylookup3");
    // acme's admin also administers globex, and is only a member of `foreign`.
    await db.membership.create({ data: { orgId: globex.org.id, userId: acme.admin.id, role: "ADMIN" } });
    await db.membership.create({ data: { orgId: foreign.org.id, userId: acme.admin.id, role: "MEMBER" } });
    const billing = await createService(actorFor(acme), acme.org.id, { ...SERVICE, slug: "billing", name: "Billing" });
    const search = await createService(actorFor(globex), globex.org.id, { ...SERVICE, slug: "search", name: "Search" });
    const hidden = await createService(actorFor(foreign), foreign.org.id, { ...SERVICE, slug: "payroll", name: "Payroll secret" });
    const rotatedOut = (await createService(actorFor(acme), acme.org.id, { ...SERVICE, slug: "old", name: "Old" })).key;
    await rotateServiceKey(
      actorFor(acme),
      acme.org.id,
      (await db.service.findFirstOrThrow({ where: { orgId: acme.org.id, slug: "old" } })).id,
    );
    const typo = billing.key.slice(0, -1) + (billing.key.endsWith("A") ? "B" : "A");

    await actAs(acme.admin);
    // Only keys in the text: before, "nothing to look up".
    const text = `SERVICE_KEY=${billing.key}\nsearch: ${search.key} payroll: ${hidden.key} typo: ${typo} old: ${rotatedOut}`;
    const result = await call<{ results: LookupResult[] }>(lookupTokenAction, { orgSlug: acme.org.slug, text });
    expect(result.ok).toBe(true);
    const [first, second, third, fourth, fifth] = result.data!.results;
    expect(first).toMatchObject({
      candidate: `kws_…${billing.key.slice(-4)}`,
      found: true,
      kind: "service-key",
      org: { slug: acme.org.slug },
      service: { slug: "billing", name: "Billing", disabledAt: null, keyLeakReportedAt: null },
    });
    expect(second).toMatchObject({ found: true, kind: "service-key", org: { slug: globex.org.slug }, service: { name: "Search" } });
    expect(third).toEqual({ candidate: `kws_…${hidden.key.slice(-4)}`, kind: "service-key", found: false, reason: "not-found" });
    expect(fourth).toMatchObject({ kind: "service-key", found: false, reason: "checksum" });
    expect(fifth).toMatchObject({ kind: "service-key", found: false, reason: "not-found" });
    const shown = JSON.stringify(result);
    for (const secret of [billing.key, search.key, hidden.key, "Payroll", "payroll", foreign.org.slug]) expect(shown).not.toContain(secret);

    const lookups = (orgId: string) => db.auditEvent.findMany({ where: { orgId, action: "service.key_lookup" } });
    // In acme: the match, and the misses (the foreign key, the rotated-out one); the typo is caught before any lookup.
    expect((await lookups(acme.org.id)).map((e) => JSON.parse(e.metadata).found).sort()).toEqual([false, false, true]);
    expect(await lookups(globex.org.id)).toHaveLength(1);
    expect(await lookups(foreign.org.id)).toHaveLength(0);

    await actAs(acme.member);
    expect(await call(lookupTokenAction, { orgSlug: acme.org.slug, text })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    await actAs(foreign.admin);
    expect(await call(lookupTokenAction, { orgSlug: foreign.org.slug, text: billing.key })).toMatchObject({
      ok: true,
      data: { results: [{ kind: "service-key", found: false, reason: "not-found" }] },
    });
  });
});

describe("leak report flags", () => {
  it("an admin dismisses a report; members cannot", async () => {
    const org = await createTestOrg("dismiss");
    const { token } = await createToken(actorFor(org), org.org.id, BASE);
    await db.apiToken.update({
      where: { id: token.id },
      data: { leakReportedAt: new Date(), leakReportSource: "https://example.test/commit" },
    });
    await actAs(org.member);
    expect(await call(dismissLeakReportAction, { orgSlug: org.org.slug, tokenId: token.id })).toMatchObject({ code: "FORBIDDEN" });
    await actAs(org.admin);
    expect(await call(dismissLeakReportAction, { orgSlug: org.org.slug, tokenId: token.id })).toMatchObject({ ok: true });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.id } })).leakReportedAt).toBeNull();
    expect(await call(dismissLeakReportAction, { orgSlug: org.org.slug, tokenId: token.id })).toMatchObject({ code: "NOT_FOUND" });
  });
});
