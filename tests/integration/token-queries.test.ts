import { beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { changeMemberRole, removeMember } from "@/lib/db/member-mutations";
import { auditFilterOptions, listAuditEvents } from "@/lib/db/queries/audit";
import { getTokenForViewer, listTokens } from "@/lib/db/queries/tokens";
import { createToken, revokeToken, setTokenEnabled, type NewTokenInput, type TokenActor } from "@/lib/db/token-mutations";
import { auditListParamsSchema } from "@/lib/validations/audit";
import { tokenListParamsSchema } from "@/lib/validations/token";

import { createTestOrg } from "../support/request-as";

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;

const base: NewTokenInput = { name: "", scopes: [], visibility: "ADMIN_ONLY", quotaMax: 100, quotaWindow: "DAILY", expiresAt: null };
const params = (input: Record<string, string> = {}) => tokenListParamsSchema.parse(input);

describe("token list and audit queries", () => {
  let org: TestOrg;
  let actor: TokenActor;
  const ids: Record<string, string> = {};
  const values: Record<string, string> = {};

  beforeAll(async () => {
    org = await createTestOrg("query");
    actor = { kind: "user", userId: org.admin.id, label: org.admin.email, ip: "192.0.2.1", userAgent: null };
    const tokens: NewTokenInput[] = [
      { ...base, name: "Alpha reports", scopes: ["report"], visibility: "ORGANIZATION" },
      { ...base, name: "Beta repos", scopes: ["repo:list"] },
      { ...base, name: "gamma reader", scopes: ["report:read"], visibility: "ORGANIZATION" },
      { ...base, name: "Delta tokens", scopes: ["api-tokens:list", "audit-log"] },
      { ...base, name: "Epsilon", scopes: [] },
    ];
    for (const token of tokens) {
      const created = await createToken(actor, org.org.id, token);
      ids[token.name] = created.token.id;
      values[token.name] = created.plaintext;
    }
    await setTokenEnabled(actor, org.org.id, ids["Beta repos"]!, false);
    await revokeToken(actor, org.org.id, ids["Epsilon"]!);
    // Expired: an active token whose expiry has passed (set directly: the API refuses past expiries).
    await db.apiToken.update({ where: { id: ids["Delta tokens"] }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    await db.apiToken.update({ where: { id: ids["gamma reader"] }, data: { lastUsedAt: new Date(), quotaRemaining: 7 } });
  });

  const names = (page: Awaited<ReturnType<typeof listTokens>>) => page.rows.map((r) => r.name);

  it("members see organization-visible tokens only; admins see all", async () => {
    expect(names(await listTokens(org.org.id, "MEMBER", params({ sort: "name", dir: "asc" })))).toEqual(["Alpha reports", "gamma reader"]);
    expect((await listTokens(org.org.id, "ADMIN", params())).total).toBe(5);
    expect(await getTokenForViewer(org.org.id, "MEMBER", ids["Beta repos"]!)).toBeNull();
    expect(await getTokenForViewer(org.org.id, "MEMBER", ids["Alpha reports"]!)).toMatchObject({ name: "Alpha reports" });
    const other = await createTestOrg("queryother");
    expect(await getTokenForViewer(other.org.id, "ADMIN", ids["Alpha reports"]!)).toBeNull();
    expect((await listTokens(other.org.id, "ADMIN", params())).total).toBe(0);
  });

  it("rows carry no values or hashes", async () => {
    const page = await listTokens(org.org.id, "ADMIN", params());
    const text = JSON.stringify(page);
    for (const value of Object.values(values)) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(value.slice(3, 20));
    }
    expect(Object.keys(page.rows[0]!)).not.toContain("hash");
  });

  it("filters by status (including derived expired), visibility and granted scope", async () => {
    const admin = (input: Record<string, string>) =>
      listTokens(org.org.id, "ADMIN", params({ sort: "name", dir: "asc", ...input })).then(names);
    expect(await admin({ status: "active" })).toEqual(["Alpha reports", "gamma reader"]);
    expect(await admin({ status: "expired" })).toEqual(["Delta tokens"]);
    expect(await admin({ status: "disabled" })).toEqual(["Beta repos"]);
    expect(await admin({ status: "revoked" })).toEqual(["Epsilon"]);
    expect(await admin({ visibility: "organization" })).toEqual(["Alpha reports", "gamma reader"]);
    // report:read is granted by "report" (Alpha) and directly (gamma); "report" itself only by Alpha.
    expect(await admin({ scope: "report:read" })).toEqual(["Alpha reports", "gamma reader"]);
    expect(await admin({ scope: "report" })).toEqual(["Alpha reports"]);
    expect(await admin({ scope: "audit-log:list" })).toEqual(["Delta tokens"]);
    expect(await admin({ scope: "api-tokens" })).toEqual([]);
  });

  it("searches names case-insensitively, by group id, and by a pasted full value", async () => {
    const search = (q: string) => listTokens(org.org.id, "ADMIN", params({ q })).then(names);
    expect(await search("GAMMA")).toEqual(["gamma reader"]);
    expect(await search("repos")).toEqual(["Beta repos"]);
    expect(await search(ids["Delta tokens"]!)).toEqual(["Delta tokens"]);
    expect(await search(values["Alpha reports"]!)).toEqual(["Alpha reports"]);
    // A member pasting an admin-only token's value learns nothing.
    expect(await listTokens(org.org.id, "MEMBER", params({ q: values["Beta repos"]! })).then(names)).toEqual([]);
  });

  it("sorts on the server and pages with a total; out-of-range pages land on the last page", async () => {
    expect(names(await listTokens(org.org.id, "ADMIN", params({ sort: "quota", dir: "asc" })))[0]).toBe("gamma reader");
    expect(names(await listTokens(org.org.id, "ADMIN", params({ sort: "lastUsed", dir: "desc" })))[0]).toBe("gamma reader");
    const first = await listTokens(org.org.id, "ADMIN", params({ sort: "name", dir: "asc", size: "10" }));
    expect(first).toMatchObject({ total: 5, page: 1, pageSize: 10 });
    const beyond = await listTokens(org.org.id, "ADMIN", params({ page: "99" }));
    expect(beyond.page).toBe(1);
    expect(beyond.rows).toHaveLength(5);
  });

  it("sorts by quota left as a caller would find it: a window that has ended counts as full", async () => {
    const { org: sortOrg } = await createTestOrg("quota-sort");
    const sortActor: TokenActor = {
      kind: "user",
      userId: sortOrg.id && (await db.membership.findFirstOrThrow({ where: { orgId: sortOrg.id, role: "ADMIN" } })).userId,
      label: "admin",
      ip: null,
      userAgent: null,
    };
    const make = async (name: string, remaining: number, resetAt: Date) => {
      const { token } = await createToken(sortActor, sortOrg.id, { ...base, name, quotaMax: 100 });
      await db.apiToken.update({ where: { id: token.id }, data: { quotaRemaining: remaining, quotaResetAt: resetAt } });
    };
    await make("ended window, 5 stored", 5, new Date(Date.now() - 60_000));
    await make("open window, 40 left", 40, new Date(Date.now() + 3_600_000));
    await make("open window, 60 left", 60, new Date(Date.now() + 3_600_000));
    const sorted = (dir: string, size = "10", page = "1") =>
      listTokens(sortOrg.id, "ADMIN", params({ sort: "quota", dir, size, page })).then(names);
    expect(await sorted("asc")).toEqual(["open window, 40 left", "open window, 60 left", "ended window, 5 stored"]);
    expect(await sorted("desc")).toEqual(["ended window, 5 stored", "open window, 60 left", "open window, 40 left"]);
    const page = await listTokens(sortOrg.id, "ADMIN", params({ sort: "quota", dir: "desc", size: "10" }));
    expect(page.rows[0].quota.remaining).toBe(100);
  });

  it("ignores junk URL parameters instead of failing", () => {
    expect(params({ sort: "hash", dir: "sideways", page: "-3", size: "7", status: "mystery", scope: "admin" })).toEqual({
      q: "",
      sort: "created",
      dir: "desc",
      page: 1,
      size: 25,
      status: undefined,
      visibility: undefined,
      scope: undefined,
    });
  });

  it("lists the org's audit events newest first, filtered by action, actor and token", async () => {
    const all = await listAuditEvents(org.org.id, auditListParamsSchema.parse({}));
    expect(all.total).toBe(7); // 5 created, 1 disabled, 1 revoked
    expect(all.rows[0]!.action).toBe("token.revoked");
    expect(all.rows[0]).toMatchObject({ actorLabel: org.admin.email, actorKind: "user", targetName: "Epsilon", ip: "192.0.2.1" });
    const disabled = await listAuditEvents(org.org.id, auditListParamsSchema.parse({ action: "token.disabled" }));
    expect(disabled.rows.map((r) => r.targetName)).toEqual(["Beta repos"]);
    const byToken = await listAuditEvents(org.org.id, auditListParamsSchema.parse({ token: ids["Beta repos"] }));
    expect(byToken.rows.map((r) => r.action)).toEqual(["token.disabled", "token.created"]);
    const byActor = await listAuditEvents(org.org.id, auditListParamsSchema.parse({ actor: `user:${org.member.id}` }));
    expect(byActor.total).toBe(0);
    const options = await auditFilterOptions(org.org.id);
    expect(options.actions).toEqual(["token.created", "token.disabled", "token.revoked"]);
    expect(options.actors).toEqual([{ value: `user:${org.admin.id}`, label: org.admin.email }]);
  });
});

describe("created by a former admin", () => {
  const userActor = (user: { id: string; email: string }): TokenActor => ({
    kind: "user",
    userId: user.id,
    label: user.email,
    ip: null,
    userAgent: null,
  });
  const memberActor = (user: { id: string; email: string }) => ({ userId: user.id, label: user.email, ip: null, userAgent: null });

  /** An org with a second admin, Dana, who creates a token; the first admin stays. */
  async function orgWithDanasToken() {
    const org = await createTestOrg("formeradmin");
    const dana = await db.user.create({ data: { email: `dana-${org.org.slug}@formeradmin.test`, name: "Dana" } });
    await db.membership.create({ data: { orgId: org.org.id, userId: dana.id, role: "ADMIN" } });
    const danas = await createToken(userActor(dana), org.org.id, {
      ...base,
      name: "Dana's deploy",
      scopes: ["api-tokens:create", "report"],
    });
    const stays = await createToken(userActor(org.admin), org.org.id, { ...base, name: "Admin's deploy", scopes: ["report"] });
    return { org, dana, danasId: danas.token.id, staysId: stays.token.id };
  }

  async function flags(orgId: string, tokenId: string) {
    const page = await listTokens(orgId, "ADMIN", params());
    const row = page.rows.find((r) => r.id === tokenId);
    return { inTable: row?.createdByFormerAdmin, onPage: (await getTokenForViewer(orgId, "ADMIN", tokenId))?.createdByFormerAdmin };
  }

  it("not while its admin is an admin", async () => {
    const { org, danasId, staysId } = await orgWithDanasToken();
    expect(await flags(org.org.id, danasId)).toEqual({ inTable: false, onPage: false });
    expect(await flags(org.org.id, staysId)).toEqual({ inTable: false, onPage: false });
  });

  it("after its admin is demoted to member, in the table and on its page; other admins' tokens are unaffected", async () => {
    const { org, dana, danasId, staysId } = await orgWithDanasToken();
    expect(await changeMemberRole(memberActor(org.admin), org.org.id, dana.id, "MEMBER")).toMatchObject({ ok: true });
    expect(await flags(org.org.id, danasId)).toEqual({ inTable: true, onPage: true });
    expect(await flags(org.org.id, staysId)).toEqual({ inTable: false, onPage: false });
    // Promoted again, the token acts for an admin again.
    expect(await changeMemberRole(memberActor(org.admin), org.org.id, dana.id, "ADMIN")).toMatchObject({ ok: true });
    expect(await flags(org.org.id, danasId)).toEqual({ inTable: false, onPage: false });
  });

  it("after its admin is removed from the organization, or when it acts for no one", async () => {
    const { org, dana, danasId, staysId } = await orgWithDanasToken();
    expect(await removeMember(memberActor(org.admin), org.org.id, dana.id)).toMatchObject({ ok: true });
    expect(await flags(org.org.id, danasId)).toEqual({ inTable: true, onPage: true });
    await db.apiToken.update({ where: { id: staysId }, data: { onBehalfOfId: null } });
    expect(await flags(org.org.id, staysId)).toEqual({ inTable: true, onPage: true });
  });

  it("an admin of another organization does not count", async () => {
    const { org, dana, danasId } = await orgWithDanasToken();
    const elsewhere = await createTestOrg("formeradminother");
    await db.membership.create({ data: { orgId: elsewhere.org.id, userId: dana.id, role: "ADMIN" } });
    await removeMember(memberActor(org.admin), org.org.id, dana.id);
    expect(await flags(org.org.id, danasId)).toEqual({ inTable: true, onPage: true });
  });
});
