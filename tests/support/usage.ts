import { randomUUID } from "node:crypto";

import { getKeyring } from "@/lib/config/keyring";
import { db } from "@/lib/db/client";
import { newTokenRows } from "@/lib/db/token-store";
import type { UsageEventRow } from "@/lib/db/usage-rollups";
import type { Scope } from "@/lib/tokens";

import { createTestOrg } from "./request-as";

/** A token written straight to the database, for usage tests. */
export async function insertUsageTestToken(
  orgId: string,
  settings: { name?: string; scopes?: Scope[]; visibility?: "ADMIN_ONLY" | "ORGANIZATION"; createdAt?: Date } = {},
) {
  const rows = newTokenRows(
    getKeyring(),
    {
      orgId,
      name: settings.name ?? `usage ${randomUUID().slice(0, 6)}`,
      scopes: settings.scopes ?? ["report:read"],
      visibility: settings.visibility ?? "ORGANIZATION",
      quotaMax: 1_000,
      quotaWindow: "MONTHLY",
      expiresAt: null,
      createdById: null,
    },
    settings.createdAt,
  );
  await db.apiToken.create({ data: { ...rows.token, ...(settings.createdAt ? { createdAt: settings.createdAt } : {}) } });
  await db.apiTokenValue.create({ data: rows.value });
  return { id: rows.token.id, orgId, valueId: rows.value.id, lastFour: rows.value.lastFour };
}

/** A usage row with defaults; `at` is required so data sets stay deterministic. */
export function usageRow(
  token: { id: string; orgId: string; valueId: string },
  fields: Partial<UsageEventRow> & { at: Date },
): UsageEventRow {
  return {
    requestId: randomUUID(),
    tokenId: token.id,
    valueId: token.valueId,
    orgId: token.orgId,
    method: "GET",
    route: "/v0/quota",
    status: 200,
    ip: "203.0.113.1",
    userAgent: "socket-cli/1.0",
    cost: 0,
    ...fields,
  };
}

/** A token in an org of its own, created at `createdAt`, for the retention tests (each lives in its own past). */
export async function retentionTestToken(label: string, createdAt: Date) {
  const { org } = await createTestOrg(label);
  return insertUsageTestToken(org.id, { scopes: ["report:list", "report:write"], createdAt });
}

/** The request ids of a token's raw usage rows, sorted. */
export const usageEventIds = async (tokenId: string) =>
  (await db.usageEvent.findMany({ where: { tokenId }, select: { requestId: true } })).map((row) => row.requestId).sort();
