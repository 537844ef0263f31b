import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

import { orgAction } from "@/lib/auth/action";
import { can } from "@/lib/auth/permissions";
import { db } from "@/lib/db/client";

import { invokeAction, serverActionsInCode, toFormData, type ServerAction } from "../security/actions";
import { ACTIONS } from "../security/registry";
import { installStatementLog, isMembershipRead, isWrite, recordStatements } from "../security/statement-log";
import { actAsCaller, createWorld, type World } from "../security/world";

// An action declares its permission where it is defined (orgAction("tokens:manage", …)). A caller
// whose role lacks it is refused by the wrapper from the membership it reads, before anything
// else: no transaction, no write, no further query (the input is not even parsed). Checked for
// every org action in the registry that members may not call, at the database driver, against
// what the wrapper alone sends for an action whose handler does nothing.

let actions: Map<string, ServerAction>;

beforeAll(async () => {
  await installStatementLog();
  actions = await serverActionsInCode();
});

const REFUSED_TO_MEMBERS = Object.entries(ACTIONS).filter(([, entry]) => !entry.public && !can("MEMBER", entry.permission!));

const handlerRuns: string[] = [];
const inert = orgAction("tokens:manage", z.object({}), async () => {
  handlerRuns.push("ran");
  return { ok: true };
});

async function asMember(world: World) {
  // Recently active: the session check then writes nothing, so what is recorded is the action's.
  await db.user.update({ where: { id: world.a.member.id }, data: { lastActiveAt: new Date() } });
  await actAsCaller(world, "member");
}

/** The SQL the wrapper sends to refuse a member (session, then membership), with the org's own ids left out. */
async function wrapperRefusal(): Promise<string[]> {
  const world = await createWorld();
  await asMember(world);
  const { result, statements, transactionsStarted } = await recordStatements(() => inert(undefined, { orgSlug: world.a.org.slug }));
  expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
  expect(handlerRuns).toEqual([]);
  expect(transactionsStarted()).toBe(0);
  expect(statements.filter(isWrite)).toEqual([]);
  expect(statements.some(isMembershipRead)).toBe(true);
  // The membership read is the last query (Prisma may send its org as a second statement).
  const afterMembership = statements.slice(statements.findIndex(isMembershipRead) + 1);
  expect(
    afterMembership.every((statement) => /FROM\s+\S*Org\W/i.test(statement.sql)),
    JSON.stringify(afterMembership),
  ).toBe(true);
  return statements.map((statement) => statement.sql);
}

describe("a member calling an action declared with a permission members lack", () => {
  it("covers the actions members may not call", () => {
    expect(REFUSED_TO_MEMBERS.length).toBeGreaterThan(15);
  });

  let refusalSql: string[];
  beforeAll(async () => {
    refusalSql = await wrapperRefusal();
  });

  it.each(REFUSED_TO_MEMBERS)("%s: FORBIDDEN from the membership read alone", async (id, entry) => {
    const world = await createWorld();
    const input = { ...(await entry.input(world)), orgSlug: world.a.org.slug };
    await asMember(world);

    const {
      result: call,
      statements,
      transactionsStarted,
    } = await recordStatements(() => invokeAction(actions.get(id)!, entry.form ? toFormData(input) : input, entry.form));

    expect(call.outcome, JSON.stringify(call.result)).toBe("FORBIDDEN");
    expect(transactionsStarted()).toBe(0);
    expect(statements.map((statement) => statement.sql)).toEqual(refusalSql);
  });
});
