import { beforeAll, describe, expect, it } from "vitest";

import { GET as exportCsv } from "@/app/(dashboard)/[orgSlug]/tokens/[id]/usage.csv/route";
import { narrowTokenScopesAction } from "@/lib/actions/usage";
import { db } from "@/lib/db/client";
import { insertUsageWithRollups } from "@/lib/db/usage-rollups";

import { actAs, createTestOrg } from "../support/request-as";
import { insertUsageTestToken, usageRow } from "../support/usage";

// The admin's one-click "narrow unused scopes" and the CSV export, for every kind of caller:
// only an admin of the token's org narrows (and only to the suggestion, at the version shown);
// the export follows the token page's rule (members: organization-visible tokens only).

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;
let acme: TestOrg;
let other: TestOrg;

/** A token granted "report" and "repo" whose calls only needed report:list: the suggestion is report:list. */
async function overScopedToken(visibility: "ORGANIZATION" | "ADMIN_ONLY" = "ORGANIZATION") {
  const token = await insertUsageTestToken(acme.org.id, { scopes: ["report", "repo"], visibility });
  const now = Date.now();
  await insertUsageWithRollups(db, [
    usageRow(token, { at: new Date(now - 3_600_000), route: "/v0/report/list", status: 200 }),
    usageRow(token, { at: new Date(now - 1_800_000), route: "/v0/report/list", status: 200 }),
    // Refused calls did not use their route's scope.
    usageRow(token, { at: new Date(now - 60_000), method: "PUT", route: "/v0/report/upload", status: 403 }),
  ]);
  return token;
}

const tokenState = (id: string) => db.apiToken.findUniqueOrThrow({ where: { id }, select: { scopes: true, version: true } });
const auditCount = (orgId: string) => db.auditEvent.count({ where: { orgId } });

beforeAll(async () => {
  acme = await createTestOrg("usageacme");
  other = await createTestOrg("usageother");
});

describe("narrowTokenScopesAction", () => {
  it("narrows to the suggestion for the org's admin, audited", async () => {
    const token = await overScopedToken();
    await actAs(acme.admin);
    const result = await narrowTokenScopesAction(undefined, {
      orgSlug: acme.org.slug,
      tokenId: token.id,
      scopes: "report:list",
      expectedVersion: "1",
    });
    expect(result).toMatchObject({ ok: true, message: "Scopes narrowed to report:list." });
    expect(await tokenState(token.id)).toEqual({ scopes: "report:list", version: 2 });
    const audit = await db.auditEvent.findFirst({ where: { orgId: acme.org.id, targetId: token.id, action: "token.updated" } });
    expect(JSON.parse(audit!.metadata)).toMatchObject({ changes: { scopes: { before: ["report", "repo"], after: ["report:list"] } } });
  });

  it.each([
    ["signed out", null, "UNAUTHENTICATED"],
    ["a member", "member", "FORBIDDEN"],
    ["another org's admin", "otherAdmin", "NOT_FOUND"],
  ] as const)("refuses %s and changes nothing", async (_label, who, code) => {
    const token = await overScopedToken();
    await actAs(who === null ? null : who === "member" ? acme.member : other.admin);
    const before = await auditCount(acme.org.id);
    const result = await narrowTokenScopesAction(undefined, {
      orgSlug: acme.org.slug,
      tokenId: token.id,
      scopes: "report:list",
      expectedVersion: "1",
    });
    expect(result).toMatchObject({ ok: false, code });
    expect(await tokenState(token.id)).toEqual({ scopes: "report repo", version: 1 });
    expect(await auditCount(acme.org.id)).toBe(before);
  });

  it("is a 404 for another org's admin naming their own org, and for crafted fields", async () => {
    const token = await overScopedToken();
    await actAs(other.admin);
    const crossOrg = await narrowTokenScopesAction(undefined, {
      orgSlug: other.org.slug,
      tokenId: token.id,
      scopes: "report:list",
      expectedVersion: "1",
    });
    expect(crossOrg).toMatchObject({ ok: false, code: "NOT_FOUND" });
    await actAs(acme.admin);
    const crafted = await narrowTokenScopesAction(undefined, {
      orgSlug: acme.org.slug,
      tokenId: token.id,
      scopes: "report:list",
      expectedVersion: "1",
      orgId: other.org.id,
    });
    expect(crafted).toMatchObject({ ok: false, code: "INVALID", errors: { orgId: ["This field cannot be set."] } });
    expect(await tokenState(token.id)).toEqual({ scopes: "report repo", version: 1 });
  });

  it.each([
    ["a list other than the suggestion (e.g. widening)", { scopes: "report repo api-tokens", expectedVersion: "1" }, "CONFLICT"],
    ["a stale version", { scopes: "report:list", expectedVersion: "7" }, "CONFLICT"],
    ["an unknown scope", { scopes: "report:list admin", expectedVersion: "1" }, "INVALID"],
    ["no version", { scopes: "report:list" }, "INVALID"],
  ] as const)("refuses %s and changes nothing", async (_label, fields, code) => {
    const token = await overScopedToken();
    await actAs(acme.admin);
    const result = await narrowTokenScopesAction(undefined, { orgSlug: acme.org.slug, tokenId: token.id, ...fields });
    expect(result).toMatchObject({ ok: false, code });
    expect(await tokenState(token.id)).toEqual({ scopes: "report repo", version: 1 });
  });
});

describe("the CSV export route", () => {
  const get = (orgSlug: string, id: string, query = "") =>
    exportCsv(new Request(`http://localhost/${orgSlug}/tokens/${id}/usage.csv${query}`), { params: Promise.resolve({ orgSlug, id }) });

  it("gives the token's rows to a member for an organization-visible token, uncached", async () => {
    const token = await overScopedToken("ORGANIZATION");
    await actAs(acme.member);
    const response = await get(acme.org.slug, token.id, "?status=success");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines).toHaveLength(3);
  });

  it.each([
    ["a member, admin-only token", "member", "ADMIN_ONLY", 404],
    ["another org's admin", "otherAdmin", "ORGANIZATION", 404],
    ["an admin, admin-only token", "admin", "ADMIN_ONLY", 200],
  ] as const)("answers %s with %i", async (_label, who, visibility, status) => {
    const token = await overScopedToken(visibility);
    await actAs(who === "member" ? acme.member : who === "admin" ? acme.admin : other.admin);
    const response = await get(acme.org.slug, token.id);
    expect(response.status).toBe(status);
    if (status === 404) expect(await response.text()).not.toContain("/v0/");
  });

  it("sends signed-out visitors to sign-in, and a malformed id is a 404", async () => {
    const token = await overScopedToken();
    await actAs(null);
    const signedOut = await get(acme.org.slug, token.id);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toBe(`/sign-in?callbackUrl=%2F${acme.org.slug}`);
    await actAs(acme.admin);
    expect((await get(acme.org.slug, "not-a-uuid")).status).toBe(404);
  });
});
