import { beforeAll, describe, expect, it } from "vitest";

import { databaseProvider, db } from "@/lib/db/client";
import { createToken, type TokenActor } from "@/lib/db/token-mutations";
import { visibleTo, visibleTokensSql, visibleTokensWhere, type ViewerRole } from "@/lib/domain/tokens/visibility";

import { createTestOrg } from "../support/request-as";

// "Who sees a token" in its three forms — in memory, Prisma `where`, SQL — must choose the same
// rows, on this run's database, from one fixture.

const ROLES: ViewerRole[] = ["ADMIN", "MEMBER"];

describe("who sees a token: the three forms choose the same rows", () => {
  let orgId: string;
  let all: { id: string; name: string; visibility: "ADMIN_ONLY" | "ORGANIZATION" }[];

  beforeAll(async () => {
    const org = await createTestOrg("visforms");
    const other = await createTestOrg("visother");
    orgId = org.org.id;
    const actorOf = (o: typeof org): TokenActor => ({
      kind: "user",
      userId: o.admin.id,
      label: o.admin.email,
      ip: "192.0.2.1",
      userAgent: null,
    });
    const make = (o: typeof org, name: string, visibility: "ADMIN_ONLY" | "ORGANIZATION") =>
      createToken(actorOf(o), o.org.id, { name, scopes: [], visibility, quotaMax: 10, quotaWindow: "DAILY", expiresAt: null });
    for (const [name, visibility] of [
      ["shared one", "ORGANIZATION"],
      ["hidden one", "ADMIN_ONLY"],
      ["shared two", "ORGANIZATION"],
      ["hidden two", "ADMIN_ONLY"],
    ] as const) {
      await make(org, name, visibility);
    }
    // Another org's tokens: every form is scoped to the organization (the SQL form by its caller).
    await make(other, "elsewhere shared", "ORGANIZATION");
    await make(other, "elsewhere hidden", "ADMIN_ONLY");
    all = await db.apiToken.findMany({ where: { orgId }, select: { id: true, name: true, visibility: true } });
  });

  const sorted = (names: string[]) => [...names].sort();
  const param = databaseProvider === "sqlite" ? "?" : "$1";

  it.each(ROLES)("%s", async (role) => {
    const inMemory = sorted(all.filter(visibleTo(role)).map((token) => token.name));
    const prisma = sorted(
      (await db.apiToken.findMany({ where: visibleTokensWhere(orgId, role), select: { name: true } })).map((token) => token.name),
    );
    const sqlAliased = sorted(
      (
        await db.$queryRawUnsafe<{ name: string }[]>(
          `SELECT t."name" FROM "ApiToken" t WHERE t."orgId" = ${param} AND ${visibleTokensSql(role, "t")}`,
          orgId,
        )
      ).map((row) => row.name),
    );
    const sqlBare = sorted(
      (
        await db.$queryRawUnsafe<{ name: string }[]>(
          `SELECT "name" FROM "ApiToken" WHERE "orgId" = ${param} AND ${visibleTokensSql(role)}`,
          orgId,
        )
      ).map((row) => row.name),
    );

    expect(inMemory).toEqual(
      role === "ADMIN" ? sorted(["shared one", "hidden one", "shared two", "hidden two"]) : ["shared one", "shared two"],
    );
    expect(prisma).toEqual(inMemory);
    expect(sqlAliased).toEqual(inMemory);
    expect(sqlBare).toEqual(inMemory);
  });
});
