import { beforeAll, describe, expect, it } from "vitest";

import { GET as exportAudit } from "@/app/(dashboard)/[orgSlug]/audit/export/route";
import { db } from "@/lib/db/client";
import { createInvitations } from "@/lib/db/member-mutations";
import { listAuditEvents } from "@/lib/db/queries/audit";
import { createToken, setTokenEnabled, type TokenActor } from "@/lib/db/token-mutations";
import { auditListParamsSchema } from "@/lib/validations/audit";

import { actAs, createTestOrg } from "../support/request-as";

// The audit log as an admin reads it: sentences, filters (actor, action, token, dates, search)
// and an export holding exactly what the filters select.

let acme: Awaited<ReturnType<typeof createTestOrg>>;
let deployId: string;
let admin: TokenActor;

const settings = {
  scopes: ["report:read" as const],
  visibility: "ADMIN_ONLY" as const,
  quotaMax: 100,
  quotaWindow: "DAILY" as const,
  expiresAt: null,
};

beforeAll(async () => {
  acme = await createTestOrg("auditlog");
  admin = { kind: "user", userId: acme.admin.id, label: acme.admin.email, ip: null, userAgent: null };
  deployId = (await createToken(admin, acme.org.id, { ...settings, name: "Deploy bot" })).token.id;
  await createToken(admin, acme.org.id, { ...settings, name: '=HYPERLINK("http://evil.test")' });
  await setTokenEnabled(admin, acme.org.id, deployId, false);
  await createInvitations(
    { userId: acme.admin.id, label: acme.admin.email, ip: null, userAgent: null },
    acme.org.id,
    [{ email: "bob@auditlog.test" }],
    "MEMBER",
  );
  // An event from long ago, for the date range.
  await db.auditEvent.create({
    data: {
      orgId: acme.org.id,
      actorLabel: acme.admin.email,
      actorUserId: acme.admin.id,
      action: "token.revealed",
      targetType: "token",
      targetId: deployId,
      metadata: "{}",
      at: new Date("2021-03-15T12:00:00Z"),
    },
  });
});

const list = (query: Record<string, string>) => listAuditEvents(acme.org.id, auditListParamsSchema.parse(query));

async function exported(query: string, as = acme.admin) {
  await actAs(as);
  const response = await exportAudit(new Request(`http://keyward.test/${acme.org.slug}/audit/export?${query}`), {
    params: Promise.resolve({ orgSlug: acme.org.slug }),
  });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

describe("audit log filters", () => {
  it("filters by action, actor, token, date range and free text", async () => {
    expect((await list({})).total).toBe(5);
    expect((await list({ action: "token.disabled" })).rows.map((r) => r.targetId)).toEqual([deployId]);
    expect((await list({ actor: `user:${acme.member.id}` })).total).toBe(0);
    expect((await list({ token: deployId })).rows.map((r) => r.action)).toEqual(["token.disabled", "token.created", "token.revealed"]);
    expect((await list({ from: "2021-03-15", to: "2021-03-15" })).rows.map((r) => r.action)).toEqual(["token.revealed"]);
    expect((await list({ to: "2021-03-14" })).total).toBe(0);
    // Search finds a token by its name, an invitee by email, and ignores impossible dates rather than failing.
    expect((await list({ q: "Deploy bot" })).total).toBe(3);
    expect((await list({ q: "dEPLOY BOT" })).total).toBe(3); // case is ignored on both databases
    expect((await list({ q: "BOB@AUDITLOG" })).total).toBe(1);
    expect((await list({ q: "bob@auditlog" })).rows.map((r) => r.action)).toEqual(["member.invited"]);
    expect((await list({ from: "2021-02-30" })).total).toBe(5);
  });
});

describe("audit log export", () => {
  it("exports the filtered events as CSV, in sentences, with formulas defused", async () => {
    const all = await exported("format=csv");
    expect(all.status).toBe(200);
    expect(all.type).toContain("text/csv");
    const lines = all.text.trim().split("\r\n");
    expect(lines[0]).toBe("at,actor,actor_kind,action,event,target_type,target_id,target_name,details,ip,user_agent");
    expect(lines).toHaveLength(6);
    expect(all.text).toContain(`${acme.admin.email} invited bob@auditlog.test as member`);
    expect(all.text).toContain(`${acme.admin.email} disabled token “Deploy bot”`);
    // A token name a spreadsheet would run as a formula is written as text.
    expect(all.text).toContain(`"'=HYPERLINK(""http://evil.test"")"`);

    const filtered = await exported(`format=csv&token=${deployId}&from=2022-01-01`);
    expect(
      filtered.text
        .trim()
        .split("\r\n")
        .slice(1)
        .map((line) => line.split(",")[3]),
    ).toEqual(["token.disabled", "token.created"]);
  });

  it("exports the same filters as JSON", async () => {
    const response = await exported(`format=json&action=member.invited`);
    expect(response.type).toContain("application/json");
    const body = JSON.parse(response.text) as {
      filters: Record<string, string>;
      events: { event: string; action: string; metadata: Record<string, unknown> }[];
    };
    expect(body.filters).toEqual({ action: "member.invited" });
    expect(body.events).toEqual([
      expect.objectContaining({ action: "member.invited", event: `${acme.admin.email} invited bob@auditlog.test as member` }),
    ]);
    expect(body.events[0]!.metadata).toMatchObject({ email: "bob@auditlog.test", role: "MEMBER" });
  });

  it("is for admins: a member is refused and sees nothing of the log", async () => {
    const exportsBefore = await db.auditEvent.count({ where: { orgId: acme.org.id, action: "audit.exported" } });
    const response = await exported("format=json", acme.member);
    expect(response.status).toBe(403);
    expect(response.text).not.toContain("bob@auditlog.test");
    expect(await db.auditEvent.count({ where: { orgId: acme.org.id, action: "audit.exported" } })).toBe(exportsBefore);
  });

  it("is itself logged, before anything is sent: who exported, which filters, which format", async () => {
    const first = await exported("format=json&action=member.invited");
    const logged = await db.auditEvent.findFirstOrThrow({
      where: { orgId: acme.org.id, action: "audit.exported" },
      orderBy: { at: "desc" },
    });
    expect(logged).toMatchObject({ actorUserId: acme.admin.id, actorLabel: acme.admin.email });
    expect(JSON.parse(logged.metadata)).toEqual({ format: "json", filters: { action: "member.invited" } });
    expect((JSON.parse(first.text) as { events: unknown[] }).events).toHaveLength(1);

    // The export holds what was logged before it; the next export shows the earlier ones.
    const next = JSON.parse((await exported("format=json&action=audit.exported")).text) as { events: { event: string }[] };
    expect(next.events.length).toBeGreaterThan(0);
    expect(next.events[0]!.event).toBe(`${acme.admin.email} exported the audit log as JSON`);
    expect((await list({ action: "audit.exported" })).total).toBe(next.events.length + 1);
  });
});
