import { describe, expect, it } from "vitest";

import { buildUsageRollups, lastUseStatements, latestUses, usageRollupStatements, type RollupEvent } from "./usage-rollups";

const at = (iso: string) => Date.parse(iso);
const event = (overrides: Partial<RollupEvent>): RollupEvent => ({
  tokenId: "t1",
  orgId: "o1",
  at: at("2030-01-02T10:15:00Z"),
  method: "GET",
  route: "/v0/quota",
  status: 200,
  ip: "203.0.113.1",
  userAgent: "cli/1",
  cost: 1,
  ...overrides,
});

describe("buildUsageRollups", () => {
  const events = [
    event({}),
    event({ at: at("2030-01-02T10:59:59.999Z"), status: 401, cost: 0 }),
    event({ at: at("2030-01-02T11:00:00Z"), status: 429, cost: 0, ip: null }),
    event({ at: at("2030-01-03T00:00:00Z"), status: 503, route: "/v0/report/list", userAgent: null }),
    event({ tokenId: "t2", status: 404 }),
  ];
  const rollups = buildUsageRollups(events);

  it("counts each token's requests per UTC hour, split by outcome, with the quota cost", () => {
    const t1 = rollups.tokenHours.filter((r) => r.tokenId === "t1");
    expect(
      t1.map((r) => [new Date(r.hour).toISOString(), r.requests, r.success, r.authErrors, r.rateLimited, r.serverErrors, r.cost]),
    ).toEqual([
      ["2030-01-02T10:00:00.000Z", 2, 1, 1, 0, 0, 1],
      ["2030-01-02T11:00:00.000Z", 1, 0, 0, 1, 0, 0],
      ["2030-01-03T00:00:00.000Z", 1, 0, 0, 0, 1, 1],
    ]);
  });

  it("counts per UTC day and per org hour", () => {
    expect(rollups.tokenDays.map((r) => [r.tokenId, new Date(r.day).toISOString(), r.requests, r.clientErrors])).toEqual([
      ["t1", "2030-01-02T00:00:00.000Z", 3, 0],
      ["t1", "2030-01-03T00:00:00.000Z", 1, 0],
      ["t2", "2030-01-02T00:00:00.000Z", 1, 1],
    ]);
    expect(rollups.orgHours.find((r) => r.hour === at("2030-01-02T10:00:00Z"))?.requests).toBe(3);
  });

  it("breaks requests down by route, IP and user agent, with refusals and the last time seen", () => {
    const ips = rollups.breakdowns.filter((r) => r.tokenId === "t1" && r.dimension === "ip" && r.day === at("2030-01-02T00:00:00Z"));
    expect(ips.map((r) => [r.value, r.requests, r.denied, new Date(r.lastAt).toISOString()])).toEqual([
      ["", 1, 0, "2030-01-02T11:00:00.000Z"],
      ["203.0.113.1", 2, 1, "2030-01-02T10:59:59.999Z"],
    ]);
    const routes = rollups.breakdowns.filter((r) => r.tokenId === "t1" && r.dimension === "route").map((r) => r.value);
    expect(routes).toEqual(["GET /v0/quota", "GET /v0/report/list"]);
  });

  it("counts rows of one token and hour whose clients alternate (each row's own IP, route and user agent)", () => {
    const alternating = buildUsageRollups([
      event({ ip: "a" }),
      event({ ip: "b", userAgent: "other/2" }),
      event({ ip: "a", route: "/v0/report/list" }),
      event({ ip: "a", status: 403 }),
    ]);
    const values = (dimension: string) =>
      alternating.breakdowns.filter((r) => r.dimension === dimension).map((r) => [r.value, r.requests, r.denied]);
    expect(values("ip")).toEqual([
      ["a", 3, 1],
      ["b", 1, 0],
    ]);
    expect(values("userAgent")).toEqual([
      ["cli/1", 3, 1],
      ["other/2", 1, 0],
    ]);
    expect(values("route")).toEqual([
      ["GET /v0/quota", 3, 1],
      ["GET /v0/report/list", 1, 0],
    ]);
    expect(alternating.tokenHours.map((r) => [r.requests, r.success, r.authErrors])).toEqual([[4, 3, 1]]);
  });

  it("is empty for no events", () => {
    expect(usageRollupStatements(buildUsageRollups([]), "sqlite")).toEqual([]);
  });
});

describe("usageRollupStatements", () => {
  it("adds to stored rows rather than replacing them, with one parameter per value", () => {
    const [hourly] = usageRollupStatements(buildUsageRollups([event({})]), "postgresql");
    expect(hourly.sql).toContain(
      `ON CONFLICT ("tokenId", "hour") DO UPDATE SET "requests" = "UsageHourly"."requests" + excluded."requests"`,
    );
    expect(hourly.sql).toContain("$2::timestamp(3)");
    expect(hourly.params[1]).toBe("2030-01-02T10:00:00.000Z");
  });

  it("splits large batches so no statement exceeds the parameter limits", () => {
    const many = Array.from({ length: 3_000 }, (_, i) => event({ tokenId: `t${i}` }));
    const statements = usageRollupStatements(buildUsageRollups(many), "sqlite");
    expect(Math.max(...statements.map((s) => s.params.length))).toBeLessThanOrEqual(4_000);
    const hourlyRows = statements
      .filter((s) => s.sql.startsWith(`INSERT INTO "UsageHourly"`))
      .reduce((n, s) => n + s.params.length / 10, 0);
    expect(hourlyRows).toBe(3_000);
  });
});

describe("a token's last use", () => {
  it("is each token's latest call in the batch (the later of two at one time), sorted by token", () => {
    const uses = latestUses([
      event({ tokenId: "t2", at: at("2030-01-02T10:00:00Z"), ip: "a" }),
      event({ tokenId: "t1", at: at("2030-01-02T11:00:00Z"), ip: "b", method: "POST", route: "/v0/report/list" }),
      event({ tokenId: "t1", at: at("2030-01-02T09:00:00Z"), ip: "c" }),
      event({ tokenId: "t2", at: at("2030-01-02T10:00:00Z"), ip: "d", userAgent: null }),
    ]);
    expect(uses).toEqual([
      { tokenId: "t1", at: at("2030-01-02T11:00:00Z"), ip: "b", userAgent: "cli/1", route: "POST /v0/report/list" },
      { tokenId: "t2", at: at("2030-01-02T10:00:00Z"), ip: "d", userAgent: null, route: "GET /v0/quota" },
    ]);
  });

  it("is written only forward in time, and on PostgreSQL after locking the tokens in order (no deadlock between servers)", () => {
    expect(lastUseStatements([], "sqlite")).toEqual([]);
    const [sqlite] = lastUseStatements([event({})], "sqlite");
    expect(sqlite.sql).toContain(`"lastUsedAt" IS NULL OR "ApiToken"."lastUsedAt" <= v.column2`);
    const [lock, update] = lastUseStatements([event({ tokenId: "t2" }), event({ tokenId: "t1" })], "postgresql");
    expect(lock).toEqual({
      sql: `SELECT 1 FROM "ApiToken" WHERE "id" IN ($1::text, $2::text) ORDER BY "id" FOR UPDATE`,
      params: ["t1", "t2"],
    });
    expect(update.params.slice(0, 2)).toEqual(["t1", "2030-01-02T10:15:00.000Z"]);
  });
});
