import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { setTokenEnabled, type TokenActor } from "@/lib/db/token-mutations";

import { callApi, insertToken } from "../support/api";
import { spawnApiProcess, type ApiProcess } from "../support/api-processes";
import { createTestOrg } from "../support/request-as";

// Two API server processes on one database (loopback only, bounded request counts): quota is
// charged exactly under a race, and a token changed through one process (or the dashboard) is
// refused by the other on its very next request. Usage rows survive SIGTERM, and kill -9 loses
// at most the last flush interval of them while the quota stays exact.

let a: ApiProcess;
let b: ApiProcess;
let org: { id: string; slug: string };
let dashboard: TokenActor;

beforeAll(async () => {
  [a, b] = await Promise.all([spawnApiProcess(), spawnApiProcess()]);
  ({ org } = await createTestOrg("procs"));
  const admin = await db.user.findFirstOrThrow({ where: { memberships: { some: { orgId: org.id, role: "ADMIN" } } } });
  dashboard = { kind: "user", userId: admin.id, label: admin.email, ip: null, userAgent: null };
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const quotaOf = async (tokenId: string) => (await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).quotaRemaining;

describe("two server processes on one database", () => {
  it("lets exactly N of 10×N concurrent calls through, and never charges below zero", async () => {
    const quota = 40;
    const token = await insertToken(org.id, { quotaMax: quota });
    // Both processes have the token cached and their connections warm (quota calls cost
    // nothing): otherwise the first to finish loading it could take every unit.
    expect((await callApi(a.url, "/v0/quota", { token: token.value })).status).toBe(200);
    expect((await callApi(b.url, "/v0/quota", { token: token.value })).status).toBe(200);
    const calls = Array.from({ length: quota * 10 }, (_, i) =>
      callApi(i % 2 === 0 ? a.url : b.url, "/v0/organizations", { token: token.value }),
    );
    const responses = await Promise.all(calls);
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(quota);
    expect(statuses.filter((status) => status === 429)).toHaveLength(quota * 9);
    expect(
      responses.filter((response) => response.status === 429).every((response) => Number(response.headers.get("retry-after")) > 0),
    ).toBe(true);
    expect(await quotaOf(token.tokenId)).toBe(0);
  });

  it("charges both processes' calls against one quota: with fewer calls to each than the quota, each serves the rest of it", async () => {
    // Which process wins a 10×N race is up to SQLite's write lock (one process may take every
    // unit in one batch), so the share is made certain instead: each process receives 30 calls
    // for a quota of 40, so exactly 40 succeed only if both charged, from the one quota.
    const quota = 40;
    const perProcess = 30;
    const token = await insertToken(org.id, { quotaMax: quota });
    expect((await callApi(a.url, "/v0/quota", { token: token.value })).status).toBe(200);
    expect((await callApi(b.url, "/v0/quota", { token: token.value })).status).toBe(200);
    const burst = (server: ApiProcess) =>
      Promise.all(Array.from({ length: perProcess }, () => callApi(server.url, "/v0/organizations", { token: token.value })));
    const [fromA, fromB] = await Promise.all([burst(a), burst(b)]);
    const served = (responses: typeof fromA) => responses.filter((response) => response.status === 200).length;
    const refused = (responses: typeof fromA) => responses.filter((response) => response.status === 429).length;
    expect(served(fromA) + served(fromB)).toBe(quota);
    expect(refused(fromA) + refused(fromB)).toBe(perProcess * 2 - quota);
    expect(served(fromA)).toBeGreaterThanOrEqual(quota - perProcess);
    expect(served(fromB)).toBeGreaterThanOrEqual(quota - perProcess);
    expect(await quotaOf(token.tokenId)).toBe(0);
  });

  it("refuses a token changed through the other process or the dashboard on the very next request", async () => {
    const token = await insertToken(org.id, { scopes: ["report:read"] });
    const manager = await insertToken(org.id, { scopes: ["api-tokens", "report:read"] });
    const quota = (server: ApiProcess, value = token.value) => callApi(server.url, "/v0/quota", { token: value });
    // Both processes have the token cached.
    expect((await quota(a)).status).toBe(200);
    expect((await quota(b)).status).toBe(200);

    // Disabled in the dashboard: both refuse; re-enabled: both accept again.
    await setTokenEnabled(dashboard, org.id, token.tokenId, false);
    expect((await quota(a)).status).toBe(401);
    expect((await quota(b)).status).toBe(401);
    await setTokenEnabled(dashboard, org.id, token.tokenId, true);
    expect((await quota(b)).status).toBe(200);
    expect((await quota(a)).status).toBe(200);

    // Rotated through A without grace: B refuses the old value at once and accepts the new one.
    const rotated = await callApi(a.url, `/v0/orgs/${org.slug}/api-tokens/rotate`, {
      token: manager.value,
      method: "POST",
      json: { uuid: token.tokenId },
    });
    expect(rotated.status).toBe(200);
    expect((await quota(b)).status).toBe(401);
    expect((await quota(b, rotated.body.token)).status).toBe(200);
    expect((await quota(a, rotated.body.token)).status).toBe(200);

    // Revoked through B: A refuses it on the next request.
    const revoked = await callApi(b.url, `/v0/orgs/${org.slug}/tokens/${token.tokenId}/revoke`, {
      token: manager.value,
      method: "POST",
      json: {},
    });
    expect(revoked.status).toBe(200);
    expect((await quota(a, rotated.body.token)).status).toBe(401);
    expect((await quota(b, rotated.body.token)).status).toBe(401);
  });
});

describe("usage rows when a process stops", () => {
  it("writes every usage row before exiting on SIGTERM", async () => {
    const server = await spawnApiProcess();
    const token = await insertToken(org.id, { quotaMax: 100 });
    for (let i = 0; i < 20; i++) expect((await callApi(server.url, "/v0/organizations", { token: token.value })).status).toBe(200);
    await server.stop("SIGTERM");
    expect(await db.usageEvent.count({ where: { tokenId: token.tokenId } })).toBe(20);
    expect(await quotaOf(token.tokenId)).toBe(80);
  });

  it("after kill -9 loses at most the rows of the last flush interval, and the quota stays exact", async () => {
    const server = await spawnApiProcess();
    const token = await insertToken(org.id, { quotaMax: 100 });
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) expect((await callApi(server.url, "/v0/organizations", { token: token.value })).status).toBe(200);
    };
    await send(15);
    // Well past the 250 ms flush interval (with room for a loaded machine): these rows must be written by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await send(10);
    await server.stop("SIGKILL");
    const rows = await db.usageEvent.count({ where: { tokenId: token.tokenId } });
    expect(rows).toBeGreaterThanOrEqual(15);
    expect(rows).toBeLessThanOrEqual(25);
    expect(await quotaOf(token.tokenId)).toBe(75);
  });
});
