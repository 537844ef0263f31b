import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { revokeToken, rotateToken, setTokenEnabled, type TokenActor } from "@/lib/db/token-mutations";
import { generateTokenValue } from "@/lib/tokens";

import { basicAuth, callApi, countingStore, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { createTestOrg } from "../support/request-as";

// Plain HTTP against the API handler on a real node:http server: authentication, every error
// status, malformed input, reports, quota windows and usage recording.

let server: TestApiServer;
let dbCalls: () => number;
/** The server's clock: real time, unless a test freezes it. */
let frozenAt: number | null = null;
let org: { id: string; slug: string };
let otherOrg: { id: string; slug: string };
const dashboard: TokenActor = {
  kind: "user",
  userId: "00000000-0000-0000-0000-000000000000",
  label: "admin@test",
  ip: null,
  userAgent: null,
};

beforeAll(async () => {
  server = await startApiServer({
    clock: () => frozenAt ?? Date.now(),
    wrapStore: (store) => {
      const counting = countingStore(store);
      dbCalls = counting.calls;
      return counting.store;
    },
  });
  ({ org } = await createTestOrg("http"));
  ({ org: otherOrg } = await createTestOrg("http-other"));
  const admin = await db.user.findFirstOrThrow({ where: { memberships: { some: { orgId: org.id, role: "ADMIN" } } } });
  dashboard.userId = admin.id;
});

afterAll(async () => {
  await server.close();
});

const call = (path: string, options: Parameters<typeof callApi>[2] = {}) => callApi(server.url, path, options);

/** Asserts the shared error body and returns it. */
function expectError(response: { status: number; body: unknown }, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const body = response.body as { error: { message: string; details: unknown } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["details", "message"]);
  expect(body.error.message).toEqual(expect.any(String));
  return body.error;
}

describe("authentication", () => {
  const valid = generateTokenValue();
  const badChecksum = valid.slice(0, -1) + (valid.endsWith("A") ? "B" : "A");

  it.each([
    ["no Authorization header", {}],
    ["an unknown scheme", { authorization: `Token ${valid}` }],
    ["Basic that is not base64", { authorization: "Basic ***" }],
    ["Basic with a password", { authorization: `Basic ${Buffer.from(`${valid}:pw`).toString("base64")}` }],
    ["a token with a bad checksum", { authorization: `Bearer ${badChecksum}` }],
    ["a header over 1 KiB", { authorization: `Bearer ${valid}${"x".repeat(1100)}` }],
    ["a Bearer header without a token", { authorization: "Bearer " }],
  ])("refuses %s with 401 without touching the database", async (_label, headers) => {
    const before = dbCalls();
    const response = await call("/v0/quota", { headers });
    expectError(response, 401);
    expect(dbCalls()).toBe(before);
  });

  it("refuses a token in the query string, even next to a valid header, without touching the database", async () => {
    const token = await insertToken(org.id);
    const before = dbCalls();
    for (const query of [`token=${token.value}`, `api_key=whatever`, `q=${token.value}`]) {
      const response = await call(`/v0/quota?${query}`, { token: token.value });
      expect(expectError(response, 401).message).toMatch(/URL/);
    }
    expect(dbCalls()).toBe(before);
  });

  it("accepts Basic (token as user name) and Bearer", async () => {
    const token = await insertToken(org.id);
    expect((await call("/v0/quota", { headers: { authorization: basicAuth(token.value) } })).status).toBe(200);
    expect((await call("/v0/quota", { headers: { authorization: `Bearer ${token.value}` } })).status).toBe(200);
  });

  it("refuses a well-formed token that does not exist", async () => {
    expectError(await call("/v0/quota", { token: generateTokenValue() }), 401);
  });

  it("refuses a disabled token on the very next request, and accepts it again once re-enabled", async () => {
    const token = await insertToken(org.id);
    expect((await call("/v0/quota", { token: token.value })).status).toBe(200);
    await setTokenEnabled(dashboard, org.id, token.tokenId, false);
    expectError(await call("/v0/quota", { token: token.value }), 401);
    expectError(await call("/v0/quota", { token: token.value }), 401);
    await setTokenEnabled(dashboard, org.id, token.tokenId, true);
    expect((await call("/v0/quota", { token: token.value })).status).toBe(200);
  });

  it("refuses a revoked token on the very next request", async () => {
    const token = await insertToken(org.id);
    expect((await call("/v0/quota", { token: token.value })).status).toBe(200);
    await revokeToken(dashboard, org.id, token.tokenId);
    expectError(await call("/v0/quota", { token: token.value }), 401);
  });

  it("refuses an expired token from its expiry on", async () => {
    const expiresAt = Date.now() + 60_000;
    const token = await insertToken(org.id, { expiresAt: new Date(expiresAt) });
    expect((await call("/v0/quota", { token: token.value })).status).toBe(200);
    frozenAt = expiresAt;
    try {
      expectError(await call("/v0/quota", { token: token.value }), 401);
    } finally {
      frozenAt = null;
    }
  });

  it("keeps a rotated-out value working for its grace period only", async () => {
    const token = await insertToken(org.id);
    expect((await call("/v0/quota", { token: token.value })).status).toBe(200);
    const rotated = await rotateToken(dashboard, org.id, token.tokenId, { graceSeconds: 120 });
    expect((await call("/v0/quota", { token: token.value })).status).toBe(200);
    expect((await call("/v0/quota", { token: rotated!.plaintext })).status).toBe(200);
    frozenAt = Date.now() + 121_000;
    try {
      expectError(await call("/v0/quota", { token: token.value }), 401);
      expect((await call("/v0/quota", { token: rotated!.plaintext })).status).toBe(200);
    } finally {
      frozenAt = null;
    }
  });

  it("ends a rotated-out value at once without a grace period", async () => {
    const token = await insertToken(org.id);
    expect((await call("/v0/quota", { token: token.value })).status).toBe(200);
    await rotateToken(dashboard, org.id, token.tokenId, { graceSeconds: 0 });
    expectError(await call("/v0/quota", { token: token.value }), 401);
  });

  it("applies a scope change made elsewhere to the very next request", async () => {
    const token = await insertToken(org.id, { scopes: ["repo:list"] });
    expect((await call(`/v0/orgs/${org.slug}/repos`, { token: token.value })).status).toBe(200);
    await db.apiToken.update({ where: { id: token.tokenId }, data: { scopes: "report:read", version: { increment: 1 } } });
    expectError(await call(`/v0/orgs/${org.slug}/repos`, { token: token.value }), 403);
    await db.apiToken.update({ where: { id: token.tokenId }, data: { scopes: "repo", version: { increment: 1 } } });
    expect((await call(`/v0/orgs/${org.slug}/repos`, { token: token.value })).status).toBe(200);
  });
});

describe("sharing the database with the dashboard in one process", () => {
  it("waits for a dashboard transaction holding the write lock instead of failing", async () => {
    const token = await insertToken(org.id);
    let answered: Promise<number> | undefined;
    await db.$transaction(async (tx) => {
      await tx.org.update({ where: { id: org.id }, data: { name: "renamed in a transaction" } });
      // On SQLite this call's charge needs the lock the transaction holds; it must wait without
      // blocking the event loop the transaction needs to finish.
      answered = call("/v0/organizations", { token: token.value }).then((response) => response.status);
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    expect(await answered).toBe(200);
    expect((await db.org.findUniqueOrThrow({ where: { id: org.id } })).name).toBe("renamed in a transaction");
  });
});

describe("error statuses", () => {
  it("403 names the scope needed", async () => {
    const token = await insertToken(org.id, { scopes: ["report:read"] });
    const error = expectError(await call(`/v0/orgs/${org.slug}/repos`, { token: token.value }), 403);
    expect(error.details).toEqual({ requiredScope: "repo:list" });
  });

  it("404 for unknown endpoints, another org's resources and unknown report ids", async () => {
    const token = await insertToken(org.id, { scopes: ["repo", "report"] });
    expectError(await call("/v0/nothing-here", { token: token.value }), 404);
    expectError(await call(`/v0/orgs/${otherOrg.slug}/repos`, { token: token.value }), 404);
    expectError(await call(`/v0/orgs/no-such-org/telemetry/config`, { token: token.value }), 404);
    expectError(await call(`/v0/report/view/${"0".repeat(32)}`, { token: token.value }), 404);
    expectError(await call(`/v0/report/view/not-an-id`, { token: token.value }), 404);
  });

  it("405 with Allow for a known path and another method", async () => {
    const token = await insertToken(org.id);
    const response = await call("/v0/quota", { token: token.value, method: "POST" });
    expectError(response, 405);
    expect(response.headers.get("allow")).toBe("GET");
  });

  it("400 with details an object for malformed or out-of-range query values and bodies, never 422 (Socket's clients know no 422)", async () => {
    const token = await insertToken(org.id, { scopes: ["repo", "api-tokens"] });
    const repos = `/v0/orgs/${org.slug}/repos`;
    expect(expectError(await call(`${repos}?per_page=abc`, { token: token.value }), 400).details).toEqual({
      issues: [{ field: "query.per_page", message: expect.any(String) }],
    });
    expectError(await call(`${repos}?per_page=0`, { token: token.value }), 400);
    expectError(await call(`${repos}?per_page=101`, { token: token.value }), 400);
    expectError(await call(`${repos}?sort=password`, { token: token.value }), 400);
    expectError(await call(`${repos}?direction=sideways`, { token: token.value }), 400);

    const tokens = `/v0/orgs/${org.slug}/tokens`;
    expectError(
      await call(tokens, { token: token.value, method: "POST", body: "{not json", headers: { "content-type": "application/json" } }),
      400,
    );
    expectError(await call(tokens, { token: token.value, method: "POST", json: { scopes: ["repo:list"], orgId: otherOrg.id } }), 400);
    expectError(await call(tokens, { token: token.value, method: "POST", json: { scopes: "repo:list", max_quota: "lots" } }), 400);
    expectError(await call(tokens, { token: token.value, method: "POST", json: { scopes: ["no-such-scope"] } }), 400);
    expectError(await call(tokens, { token: token.value, method: "POST", json: { scopes: [], max_quota: -5 } }), 400);
    expectError(await call(tokens, { token: token.value, method: "POST", json: { scopes: [], name: "x".repeat(500) } }), 400);
    expectError(
      await call(tokens, { token: token.value, method: "POST", body: "scopes=repo", headers: { "content-type": "text/plain" } }),
      415,
    );
    expect(await db.apiToken.count({ where: { orgId: otherOrg.id } })).toBe(0);
  });

  it("never answers bad input with a 500", async () => {
    const token = await insertToken(org.id, { scopes: ["api-tokens", "report"] });
    const bodies = [
      "",
      "null",
      "[]",
      '"text"',
      "123",
      "{",
      '{"scopes": {"a": 1}}',
      '{"name": {"$gt": ""}}',
      '{"name": null}',
      '{"expires_at": "yesterday"}',
      '{"expires_at": "2001-01-01"}',
      '{"visibility": "everyone"}',
      '{"__proto__": {"x": 1}}',
      "\u0000\u0001",
      '{"max_quota": 1e400}',
    ];
    for (const path of [
      `/v0/orgs/${org.slug}/tokens`,
      `/v0/orgs/${org.slug}/api-tokens/rotate`,
      `/v0/orgs/${org.slug}/api-tokens/update`,
      `/v0/orgs/${org.slug}/tokens/x/revoke`,
    ]) {
      for (const body of bodies) {
        const response = await call(path, { token: token.value, method: "POST", body, headers: { "content-type": "application/json" } });
        expect(response.status, `${path} ${body} → ${JSON.stringify(response.body)}`).toBeLessThan(500);
        if (response.status >= 400) expect(response.body.error.message).toEqual(expect.any(String));
      }
    }
    for (const body of ["", "--x\r\n", "garbage"]) {
      const response = await call("/v0/report/upload", {
        token: token.value,
        method: "PUT",
        body,
        headers: { "content-type": "multipart/form-data; boundary=x" },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
  });

  it("413 for a body over the limit", async () => {
    const token = await insertToken(org.id, { scopes: ["api-tokens", "report"] });
    const bigJson = JSON.stringify({ scopes: [], name: "x".repeat(70 * 1024) });
    expectError(
      await call(`/v0/orgs/${org.slug}/tokens`, {
        token: token.value,
        method: "POST",
        body: bigJson,
        headers: { "content-type": "application/json" },
      }),
      413,
    );
    const form = new FormData();
    form.append("package.json", new Blob([`{"x":"${"y".repeat(11 * 1024 * 1024)}"}`]), "package.json");
    expectError(await call("/v0/report/upload", { token: token.value, method: "PUT", body: form }), 413);
  });

  it("429 with Retry-After once the quota is spent, and the quota refills when the window ends", async () => {
    const token = await insertToken(org.id, { quotaMax: 2, quotaWindow: "HOURLY" });
    const start = Date.now();
    frozenAt = start;
    const resetAt = (await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).quotaResetAt.getTime();
    expect((await call("/v0/organizations", { token: token.value })).status).toBe(200);
    expect((await call("/v0/organizations", { token: token.value })).status).toBe(200);
    const refused = await call("/v0/organizations", { token: token.value });
    const error = expectError(refused, 429);
    expect(Number(refused.headers.get("retry-after"))).toBe(Math.ceil((resetAt - start) / 1000));
    expect(error.details).toEqual({ quota: 0, maxQuota: 2, nextWindowRefresh: new Date(resetAt).toISOString() });
    // The quota endpoint itself costs nothing and still answers.
    expect((await call("/v0/quota", { token: token.value })).body).toMatchObject({ quota: 0, maxQuota: 2 });

    frozenAt = resetAt;
    try {
      expect((await call("/v0/organizations", { token: token.value })).status).toBe(200);
      expect((await call("/v0/quota", { token: token.value })).body).toEqual({
        quota: 1,
        maxQuota: 2,
        nextWindowRefresh: new Date(resetAt + 3600_000).toISOString(),
      });
    } finally {
      frozenAt = null;
    }
  });

  it("opens each refilled window where the server's clock says, also after the clock is set back", async () => {
    const hour = 3_600_000;
    const endOfHour = (time: number) => new Date(Math.floor(time / hour) * hour + hour).toISOString();
    const [later, earlier] = [
      await insertToken(org.id, { quotaMax: 2, quotaWindow: "HOURLY" }),
      await insertToken(org.id, { quotaMax: 2, quotaWindow: "HOURLY" }),
    ];
    // Both windows ended a day ago: the next call opens a new one, ending at the end of its hour.
    for (const token of [later, earlier]) {
      await db.apiToken.update({
        where: { id: token.tokenId },
        data: { quotaRemaining: 0, quotaResetAt: new Date(Date.now() - 24 * hour) },
      });
    }
    const now = Date.now();
    try {
      frozenAt = now + 2 * hour;
      expect((await call("/v0/quota", { token: later.value })).body).toEqual({
        quota: 2,
        maxQuota: 2,
        nextWindowRefresh: endOfHour(now + 2 * hour),
      });
      frozenAt = now;
      expect((await call("/v0/quota", { token: earlier.value })).body).toEqual({
        quota: 2,
        maxQuota: 2,
        nextWindowRefresh: endOfHour(now),
      });
    } finally {
      frozenAt = null;
    }
  });
});

describe("reports", () => {
  function manifestForm(files: Record<string, string>) {
    const form = new FormData();
    for (const [path, content] of Object.entries(files)) form.append(path, new Blob([content]), path.split("/").pop());
    return form;
  }

  it("uploads, lists and views reports; a read+write token finds only what it created", async () => {
    const writer = await insertToken(org.id, { scopes: ["report:read", "report:write"] });
    const lister = await insertToken(org.id, { scopes: ["report"] });
    const upload = await call("/v0/report/upload?repo=web&branch=main&commit=abc123", {
      token: writer.value,
      method: "PUT",
      body: manifestForm({ "package.json": '{"name":"web"}', "packages/app/package-lock.json": "{}" }),
    });
    expect(upload.status, JSON.stringify(upload.body)).toBe(200);
    expect(upload.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), url: `${server.url}/v0/report/view/${upload.body.id}` });
    const stored = await db.report.findUniqueOrThrow({ where: { id: upload.body.id } });
    expect(stored).toMatchObject({ orgId: org.id, createdByTokenId: writer.tokenId, repo: "web", branch: "main", commit: "abc123" });
    expect(JSON.parse(stored.files)).toEqual([
      { path: "package.json", size: 14 },
      { path: "packages/app/package-lock.json", size: 2 },
    ]);

    const view = await call(`/v0/report/view/${upload.body.id}`, { token: writer.value });
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      id: upload.body.id,
      healthy: true,
      issues: [],
      score: { avgSupplyChainRisk: 1, avgQuality: 1, avgMaintenance: 1, avgVulnerability: 1, avgLicense: 1 },
      url: upload.body.url,
    });

    // Without report:list the writer cannot discover other reports.
    expectError(await call("/v0/report/list", { token: writer.value }), 403);
    const list = await call("/v0/report/list?repo=web", { token: lister.value });
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual({
      id: upload.body.id,
      url: upload.body.url,
      repo: "web",
      branch: "main",
      pull_requests: {},
      commit: "abc123",
      owner: "",
      created_at: stored.createdAt.toISOString(),
    });
    expect((list.body as { repo: string }[]).every((report) => report.repo === "web")).toBe(true);
    const later = await call(`/v0/report/list?from=${Math.ceil(stored.createdAt.getTime() / 1000) + 1}`, { token: lister.value });
    expect((later.body as { id: string }[]).map((report) => report.id)).not.toContain(upload.body.id);

    // Another organization's token cannot read it, even with the id.
    const outsider = await insertToken(otherOrg.id, { scopes: ["report"] });
    expectError(await call(`/v0/report/view/${upload.body.id}`, { token: outsider.value }), 404);
    expect((await call("/v0/report/list", { token: outsider.value })).body).toEqual([]);
  });

  it("refuses uploads without files, with unsupported or unsafe names, or invalid JSON manifests", async () => {
    const writer = await insertToken(org.id, { scopes: ["report:write"] });
    const upload = (body: BodyInit, headers: Record<string, string> = {}) =>
      call("/v0/report/upload", { token: writer.value, method: "PUT", body, headers });
    const textOnly = new FormData();
    textOnly.append("note", "no files");
    expectError(await upload(textOnly), 400);
    expectError(await upload(manifestForm({ "notes.txt": "hi" })), 400);
    expectError(await upload(manifestForm({ "../package.json": "{}" })), 400);
    expectError(await upload(manifestForm({ "/etc/package.json": "{}" })), 400);
    expect(expectError(await upload(manifestForm({ "package.json": "{oops" })), 400).message).toContain("package.json");
    expectError(await upload('{"package.json": "{}"}', { "content-type": "application/json" }), 415);
    expect(await db.report.count({ where: { createdByTokenId: writer.tokenId } })).toBe(0);
  });
});

describe("usage recording", () => {
  it("counts refused calls too (a counter, not a row), charging nothing for them, and follows the last use", async () => {
    const token = await insertToken(org.id, { scopes: ["report:read"], quotaMax: 10 });
    const at = Date.now();
    frozenAt = at;
    await call(`/v0/orgs/${org.slug}/repos`, {
      token: token.value,
      headers: { "user-agent": "probe/1.0", "x-forwarded-for": "203.0.113.9" },
    });
    await call("/v0/organizations", { token: token.value, headers: { "user-agent": "probe/2.0" } });
    frozenAt = null;
    await server.handler.flush();
    const events = await db.usageEvent.findMany({ where: { tokenId: token.tokenId }, orderBy: { id: "asc" } });
    expect(events.map((event) => [event.method, event.route, event.status, event.cost, event.ip, event.userAgent])).toEqual([
      ["GET", "/v0/organizations", 200, 1, "127.0.0.1", "probe/2.0"],
    ]);
    const refused = await db.refusedCallCount.findMany({ where: { tokenId: token.tokenId } });
    // X-Forwarded-For is not trusted unless TRUST_PROXY is set: the socket address counts.
    expect(refused.map((row) => [row.reason, row.count, row.lastIp, row.lastUserAgent])).toEqual([["scope", 1, "127.0.0.1", "probe/1.0"]]);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } });
    expect(row).toMatchObject({
      quotaRemaining: 9,
      lastUsedUserAgent: "probe/2.0",
      lastUsedRoute: "GET /v0/organizations",
      lastUsedIp: "127.0.0.1",
    });
    expect(row.lastUsedAt?.getTime()).toBe(at);
  });

  it("counts calls of a disabled token as refused, without counting them as its last use", async () => {
    const token = await insertToken(org.id, { status: "DISABLED" });
    expectError(await call("/v0/quota", { token: token.value }), 401);
    await server.handler.flush();
    expect(await db.usageEvent.count({ where: { tokenId: token.tokenId } })).toBe(0);
    expect(await db.refusedCallCount.findMany({ where: { tokenId: token.tokenId }, select: { reason: true, count: true } })).toEqual([
      { reason: "disabled", count: 1 },
    ]);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).lastUsedAt).toBeNull();
  });

  it("takes the client IP from X-Forwarded-For only behind a trusted proxy, and only the entry that proxy wrote", async () => {
    const proxied = await startApiServer({ trustedProxyHops: 1 });
    try {
      const token = await insertToken(org.id);
      // The client wrote 198.51.100.7 itself; the one trusted proxy appended the address it saw.
      await callApi(proxied.url, "/v0/quota", { token: token.value, headers: { "x-forwarded-for": "198.51.100.7, 203.0.113.9" } });
      await proxied.handler.flush();
      expect((await db.usageEvent.findFirstOrThrow({ where: { tokenId: token.tokenId } })).ip).toBe("203.0.113.9");
      expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).lastUsedIp).toBe("203.0.113.9");
    } finally {
      await proxied.close();
    }
  });
});

describe("openapi.json", () => {
  it("describes every endpoint with its scope and cost, without authentication", async () => {
    const response = await call("/v0/openapi.json");
    expect(response.status).toBe(200);
    const doc = response.body;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v0/quota",
        "/v0/organizations",
        "/v0/orgs/{org}/repos",
        "/v0/report/list",
        "/v0/report/view/{id}",
        "/v0/report/upload",
        "/v0/orgs/{org}/tokens",
        "/v0/orgs/{org}/tokens/{id}/rotate",
        "/v0/orgs/{org}/tokens/{id}/revoke",
        "/v0/orgs/{org}/tokens/{id}/update",
        "/v0/orgs/{org}/api-tokens",
        "/v0/orgs/{org}/api-tokens/update",
        "/v0/orgs/{org}/api-tokens/rotate",
        "/v0/orgs/{org}/api-tokens/revoke",
        "/v0/orgs/{org}/telemetry/config",
      ]),
    );
    const repos = doc.paths["/v0/orgs/{org}/repos"].get;
    expect(repos).toMatchObject({ "x-scope": "repo:list", "x-quota-cost": 1 });
    expect(repos.parameters.map((p: { name: string }) => p.name)).toEqual([
      "org",
      "sort",
      "direction",
      "per_page",
      "page",
      "include_archived",
      "workspace",
    ]);
    expect(doc.paths["/v0/orgs/{org}/tokens"].post.requestBody.content["application/json"].schema.properties.scopes).toBeDefined();
    const leaks = doc.paths["/v0/leaked-tokens"].post;
    expect(leaks).toMatchObject({ security: [], responses: { "202": expect.anything(), "429": expect.anything() } });
    expect(JSON.stringify(leaks.requestBody.content["application/json"].schema)).toContain("tokens");
    // Every $ref resolves inside the document.
    for (const ref of JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? []) {
      expect(doc.components.schemas[ref.slice('"#/components/schemas/'.length, -1)], ref).toBeDefined();
    }
  });
});
