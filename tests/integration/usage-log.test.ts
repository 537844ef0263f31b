import { beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { listTokenRequests, tokenRequestsCsv } from "@/lib/db/queries/usage";
import { insertUsageWithRollups, type UsageEventRow } from "@/lib/db/usage-rollups";
import { outcomeOf } from "@/lib/domain/usage/outcomes";
import { requestLogParamsSchema } from "@/lib/validations/usage";

import { createTestOrg } from "../support/request-as";
import { insertUsageTestToken, usageRow } from "../support/usage";

// A known data set: 300 calls of one token seven minutes apart (ten of them at the same instant,
// so order falls back to the row id), cycling through statuses, routes, IPs and user agents;
// a second token's calls that must never show up.

const BASE = Date.UTC(2030, 2, 1);
const STATUSES = [200, 200, 201, 404, 401, 429, 500, 200, 403];
const ROUTES = [
  ["GET", "/v0/quota"],
  ["GET", "/v0/report/list"],
  ["PUT", "/v0/report/upload"],
] as const;
const IPS = ["203.0.113.1", "203.0.113.2", "198.51.100.7", "192.0.2.44"];
const userAgentFor = (i: number) => (i === 50 ? `evil, "quoted" agent` : i === 51 ? `=HYPERLINK("http://x")` : `cli/${i % 5}`);

type Stored = UsageEventRow & { id: number };
let token: Awaited<ReturnType<typeof insertUsageTestToken>>;
let other: Awaited<ReturnType<typeof insertUsageTestToken>>;
let events: Stored[];

const params = (query: Record<string, string>) => requestLogParamsSchema.parse(query);
const newestFirst = (a: Stored, b: Stored) => b.at.getTime() - a.at.getTime() || b.id - a.id;

beforeAll(async () => {
  const { org } = await createTestOrg("usagelog");
  token = await insertUsageTestToken(org.id);
  other = await insertUsageTestToken(org.id);
  const rows = Array.from({ length: 300 }, (_, i) => {
    const [method, route] = ROUTES[i % 3];
    const minute = i >= 100 && i < 110 ? 100 : i;
    return usageRow(token, {
      at: new Date(BASE + minute * 7 * 60_000),
      method,
      route,
      status: STATUSES[i % STATUSES.length],
      ip: IPS[i % IPS.length],
      userAgent: userAgentFor(i),
      cost: i % 2,
    });
  });
  const noise = Array.from({ length: 20 }, (_, i) => usageRow(other, { at: new Date(BASE + i * 60_000), ip: IPS[0], status: 401 }));
  // Several batches, as the API writes them.
  for (let start = 0; start < rows.length; start += 70) await insertUsageWithRollups(db, rows.slice(start, start + 70));
  await insertUsageWithRollups(db, noise);
  const ids = await db.usageEvent.findMany({ where: { tokenId: token.id }, select: { id: true, requestId: true } });
  const idOf = new Map(ids.map((row) => [row.requestId, row.id]));
  events = rows.map((row) => ({ ...row, id: idOf.get(row.requestId)! }));
});

describe("the request log", () => {
  it("lists the token's calls newest first, a page at a time, with the value that made them", async () => {
    const expected = [...events].sort(newestFirst);
    const first = await listTokenRequests(token.id, params({ size: "25" }));
    expect(first).toMatchObject({ total: 300, capped: false, page: 1, pageSize: 25 });
    expect(first.rows.map((r) => r.requestId)).toEqual(expected.slice(0, 25).map((e) => e.requestId));
    expect(first.rows[0]).toMatchObject({ valueLastFour: token.lastFour, method: expected[0].method, route: expected[0].route });

    const fifth = await listTokenRequests(token.id, params({ size: "25", page: "5" }));
    expect(fifth.rows.map((r) => r.requestId)).toEqual(expected.slice(100, 125).map((e) => e.requestId));
  });

  it("shows the last page for a page number past the end", async () => {
    const page = await listTokenRequests(token.id, params({ size: "100", page: "99" }));
    expect(page.page).toBe(3);
    expect(page.rows).toHaveLength(100);
  });

  const cases: [string, Record<string, string>, (e: Stored) => boolean][] = [
    [
      "a time range (from inclusive, to exclusive)",
      { from: "2030-03-01T05:50", to: "2030-03-01T17:30Z" },
      (e) => e.at.getTime() >= BASE + 350 * 60_000 && e.at.getTime() < BASE + 1050 * 60_000,
    ],
    ["a status class: 401/403", { status: "authErrors" }, (e) => e.status === 401 || e.status === 403],
    ["a status class: success", { status: "success" }, (e) => e.status < 400],
    ["a status class: other 4xx", { status: "clientErrors" }, (e) => outcomeOf(e.status) === "clientErrors"],
    ["an exact status", { status: "429" }, (e) => e.status === 429],
    ["a route (method and path)", { route: "GET /v0/report/list" }, (e) => e.method === "GET" && e.route === "/v0/report/list"],
    ["an IP", { ip: "198.51.100.7" }, (e) => e.ip === "198.51.100.7"],
    [
      "IP, status class, route and time together",
      { ip: "203.0.113.1", status: "success", route: "GET /v0/quota", from: "2030-03-01T02:00" },
      (e) => e.ip === "203.0.113.1" && e.status < 400 && e.route === "/v0/quota" && e.at.getTime() >= BASE + 2 * 3600_000,
    ],
  ];

  it.each(cases)("filters by %s", async (_label, query, predicate) => {
    const expected = events.filter(predicate).sort(newestFirst);
    expect(expected.length).toBeGreaterThan(0);
    const page = await listTokenRequests(token.id, params({ ...query, size: "100" }));
    expect(page.total).toBe(expected.length);
    expect(page.rows.map((r) => r.requestId)).toEqual(expected.slice(0, 100).map((e) => e.requestId));
  });

  it("finds nothing for a status class the token never answered with, or another token's IP", async () => {
    expect((await listTokenRequests(token.id, params({ status: "serverErrors", ip: "192.0.2.250" }))).total).toBe(0);
    expect((await listTokenRequests(other.id, params({ status: "success" }))).total).toBe(0);
  });

  it.each([
    ["status", "asc"],
    ["status", "desc"],
    ["ip", "asc"],
    ["route", "desc"],
    ["time", "asc"],
  ] as const)("sorts by %s %s, then by time in the same direction", async (sort, dir) => {
    const key = (e: Stored): string | number => (sort === "status" ? e.status : sort === "ip" ? e.ip! : sort === "route" ? e.route : 0);
    const sign = dir === "asc" ? 1 : -1;
    const expected = [...events].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
      return (a.at.getTime() - b.at.getTime() || a.id - b.id) * sign;
    });
    const page = await listTokenRequests(token.id, params({ sort, dir, size: "50", page: "2" }));
    expect(page.rows.map((r) => r.requestId)).toEqual(expected.slice(50, 100).map((e) => e.requestId));
  });

  it("ignores malformed parameters instead of failing", () => {
    const parsed = params({
      from: "yesterday",
      status: "600",
      route: "DROP TABLE",
      ip: "x".repeat(200),
      sort: "id",
      page: "-3",
      size: "7",
    });
    expect(parsed).toEqual({ sort: "time", dir: "desc", page: 1, size: 50 });
  });
});

describe("the CSV export", () => {
  const collect = async (query: Record<string, string>) => {
    let text = "";
    for await (const chunk of tokenRequestsCsv(token.id, params(query))) text += chunk;
    return text.split("\r\n").slice(0, -1);
  };

  it("has every filtered row, newest first, and nothing else", async () => {
    const expected = events.filter((e) => e.status === 401 || e.status === 403).sort(newestFirst);
    const lines = await collect({ status: "authErrors", page: "3", size: "25" });
    expect(lines[0]).toBe("time,method,route,status,outcome,ip,user_agent,cost,token_value,request_id");
    expect(lines).toHaveLength(expected.length + 1);
    expect(lines.slice(1).map((line) => line.split(",").at(-1))).toEqual(expected.map((e) => e.requestId));
    const first = expected[0];
    expect(lines[1]).toBe(
      [
        first.at.toISOString(),
        first.method,
        first.route,
        first.status,
        "authErrors",
        first.ip,
        first.userAgent,
        first.cost,
        `…${token.lastFour}`,
        first.requestId,
      ].join(","),
    );
  });

  it("quotes commas and quotes, and defuses spreadsheet formulas", async () => {
    const lines = await collect({ ip: IPS[50 % 4] });
    expect(lines.some((line) => line.includes(`,"evil, ""quoted"" agent",`))).toBe(true);
    const lines51 = await collect({ ip: IPS[51 % 4] });
    expect(lines51.some((line) => line.includes(`,"'=HYPERLINK(""http://x"")",`))).toBe(true);
  });

  it("streams past its batch size without losing or repeating rows that share a timestamp", async () => {
    const big = await insertUsageTestToken(token.orgId);
    // 4,500 rows, ten per instant: the export reads them in batches of 2,000.
    const rows = Array.from({ length: 4_500 }, (_, i) => usageRow(big, { at: new Date(BASE + Math.floor(i / 10) * 1000) }));
    await insertUsageWithRollups(db, rows);
    let text = "";
    for await (const chunk of tokenRequestsCsv(big.id, params({}))) text += chunk;
    const ids = text
      .split("\r\n")
      .slice(1, -1)
      .map((line) => line.split(",").at(-1));
    expect(ids).toHaveLength(4_500);
    expect(new Set(ids).size).toBe(4_500);
    const times = text
      .split("\r\n")
      .slice(1, -1)
      .map((line) => Date.parse(line.split(",")[0]));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
