import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { listGraceTraffic } from "@/lib/db/queries/incidents";
import { getRefusedCalls } from "@/lib/db/queries/refused-calls";
import { revokeToken, rotateToken, type TokenActor } from "@/lib/db/token-mutations";
import { HOUR_MS } from "@/lib/db/usage-rollups";

import { callApi, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { createTestOrg } from "../support/request-as";

// Calls refused before their endpoint runs are counted per token, value, reason and minute
// (RefusedCallCount), not written as a UsageEvent row each: one client retrying an old value must
// not fill the usage table, while the dashboard still shows the value is in use.

let server: TestApiServer;
/** The server's clock: real time, unless a test freezes it. */
let frozenAt: number | null = null;
let org: { id: string; slug: string };
const dashboard: TokenActor = { kind: "user", userId: "", label: "admin@test", ip: null, userAgent: null };

beforeAll(async () => {
  server = await startApiServer({ clock: () => frozenAt ?? Date.now() });
  ({ org } = await createTestOrg("refused"));
  dashboard.userId = (await db.user.findFirstOrThrow({ where: { memberships: { some: { orgId: org.id, role: "ADMIN" } } } })).id;
});

afterAll(async () => {
  await server.close();
});

/** `count` calls, twenty at a time, each answered with `status`. */
async function callTimes(count: number, path: string, token: string, status: number, userAgent = "retry-loop/1.0") {
  for (let done = 0; done < count; done += 20) {
    const batch = Array.from({ length: Math.min(20, count - done) }, () =>
      callApi(server.url, path, { token, headers: { "user-agent": userAgent } }),
    );
    expect((await Promise.all(batch)).map((response) => response.status)).toEqual(Array(Math.min(20, count - done)).fill(status));
  }
}

const counters = (tokenId: string) =>
  db.refusedCallCount.findMany({
    where: { tokenId },
    orderBy: [{ reason: "asc" }, { minute: "asc" }],
    omit: { orgId: true, tokenId: true },
  });

/** A time in the middle of a minute (and not before now), to freeze the clock at: a burst of calls falls in that minute. */
const midMinute = () => Math.floor(Date.now() / 60_000) * 60_000 + 90_000;

describe("refused calls", () => {
  it("200 calls with a revoked value add no usage row and one counter of 200, still counted by the rollups", async () => {
    const token = await insertToken(org.id);
    await revokeToken(dashboard, org.id, token.tokenId);
    const at = midMinute();
    frozenAt = at;
    try {
      await callTimes(200, "/v0/quota", token.value, 401);
    } finally {
      frozenAt = null;
    }
    await server.handler.flush();

    expect(await db.usageEvent.count({ where: { tokenId: token.tokenId } })).toBe(0);
    expect(await counters(token.tokenId)).toEqual([
      {
        valueId: token.valueId,
        reason: "revoked",
        minute: new Date(at - 30_000),
        count: 200,
        lastAt: new Date(at),
        lastIp: "127.0.0.1",
        lastUserAgent: "retry-loop/1.0",
      },
    ]);
    const hour = await db.usageHourly.findUniqueOrThrow({
      where: { tokenId_hour: { tokenId: token.tokenId, hour: new Date(Math.floor(at / HOUR_MS) * HOUR_MS) } },
    });
    expect(hour).toMatchObject({ requests: 200, authErrors: 200, success: 0 });
    const routes = await db.usageBreakdownDaily.findMany({
      where: { tokenId: token.tokenId, dimension: "route" },
      select: { value: true, requests: true, denied: true },
    });
    expect(routes).toEqual([{ value: "GET /v0/quota", requests: 200, denied: 200 }]);

    expect(await getRefusedCalls(token.tokenId, new Date(at))).toEqual([
      { reason: "revoked", label: "refused: token revoked", last24h: 200, last7d: 200, lastAt: new Date(at) },
    ]);
  });

  it("counts a minute's calls per minute", async () => {
    const token = await insertToken(org.id, { status: "DISABLED" });
    const at = midMinute();
    frozenAt = at;
    try {
      await callTimes(3, "/v0/quota", token.value, 401);
      frozenAt = at + 60_000;
      await callTimes(2, "/v0/quota", token.value, 401);
    } finally {
      frozenAt = null;
    }
    await server.handler.flush();
    expect((await counters(token.tokenId)).map((row) => [row.reason, row.minute.getTime(), row.count])).toEqual([
      ["disabled", at - 30_000, 3],
      ["disabled", at + 30_000, 2],
    ]);
  });

  it("counts 429s under quota and missing scopes under scope, and still logs other refusals as rows", async () => {
    const token = await insertToken(org.id, { scopes: ["report:read"], quotaMax: 1, quotaWindow: "HOURLY" });
    const at = midMinute();
    frozenAt = at;
    try {
      await callTimes(1, "/v0/organizations", token.value, 200);
      await callTimes(5, "/v0/organizations", token.value, 429);
      await callTimes(4, `/v0/orgs/${org.slug}/repos`, token.value, 403);
      await callTimes(1, "/v0/no-such-endpoint", token.value, 404);
    } finally {
      frozenAt = null;
    }
    await server.handler.flush();

    expect(
      await db.usageEvent.findMany({ where: { tokenId: token.tokenId }, select: { status: true, route: true }, orderBy: { id: "asc" } }),
    ).toEqual([
      { status: 200, route: "/v0/organizations" },
      { status: 404, route: "(unknown)" },
    ]);
    expect((await counters(token.tokenId)).map((row) => [row.reason, row.count])).toEqual([
      ["quota", 5],
      ["scope", 4],
    ]);
    const hour = await db.usageHourly.findFirstOrThrow({ where: { tokenId: token.tokenId } });
    expect(hour).toMatchObject({ requests: 11, success: 1, rateLimited: 5, authErrors: 4, clientErrors: 1 });
    expect((await getRefusedCalls(token.tokenId, new Date(at))).map((row) => [row.label, row.last24h])).toEqual(
      expect.arrayContaining([
        ["refused: quota spent", 5],
        ["refused: missing scope", 4],
      ]),
    );
  });

  it("shows an old value's refused calls in the grace list, and counts it under replaced once its grace ends", async () => {
    const token = await insertToken(org.id, { quotaMax: 2, quotaWindow: "HOURLY" });
    await rotateToken(dashboard, org.id, token.tokenId, { graceSeconds: 7200 });
    const at = midMinute();
    frozenAt = at;
    try {
      // In its grace period the old value works (usage rows) until the quota is spent (counters).
      await callTimes(2, "/v0/organizations", token.value, 200);
      await callTimes(6, "/v0/organizations", token.value, 429);
    } finally {
      frozenAt = null;
    }
    await server.handler.flush();

    const grace = (await listGraceTraffic(org.id, 1, new Date(at))).rows.find((row) => row.tokenId === token.tokenId);
    expect(grace).toMatchObject({ requestsSinceRotation: 8, lastUsedAt: new Date(at), lastUsedIp: "127.0.0.1", quietForAnHour: false });

    // An hour later the old value is quiet... until a client tries it after its grace has ended.
    expect(
      (await listGraceTraffic(org.id, 1, new Date(at + HOUR_MS + 1_000))).rows.find((row) => row.tokenId === token.tokenId)?.quietForAnHour,
    ).toBe(true);
    const later = (await db.apiTokenValue.findUniqueOrThrow({ where: { id: token.valueId } })).validUntil!.getTime() + 1_000;
    frozenAt = later;
    try {
      await callTimes(7, "/v0/organizations", token.value, 401);
    } finally {
      frozenAt = null;
    }
    await server.handler.flush();
    expect(await db.usageEvent.count({ where: { valueId: token.valueId } })).toBe(2);
    expect((await counters(token.tokenId)).map((row) => [row.valueId, row.reason, row.count])).toEqual([
      [token.valueId, "quota", 6],
      [token.valueId, "replaced", 7],
    ]);
    expect(await getRefusedCalls(token.tokenId, new Date(later))).toEqual([
      { reason: "replaced", label: "refused: value replaced", last24h: 7, last7d: 7, lastAt: new Date(later) },
      { reason: "quota", label: "refused: quota spent", last24h: 6, last7d: 6, lastAt: new Date(at) },
    ]);
  });
});
