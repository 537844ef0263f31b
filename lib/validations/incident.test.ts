import { describe, expect, it } from "vitest";

import { createIncidentSchema, incidentFilterSchema, leakReportSchema, parseAddressRange } from "./incident";

describe("parseAddressRange", () => {
  it.each([
    ["203.0.113.7", { address: "203.0.113.7", prefix: 32, family: "ipv4" }],
    ["203.0.113.0/24", { address: "203.0.113.0", prefix: 24, family: "ipv4" }],
    [" 2001:db8::/32 ", { address: "2001:db8::", prefix: 32, family: "ipv6" }],
    ["::1", { address: "::1", prefix: 128, family: "ipv6" }],
  ])("reads %s", (input, expected) => {
    expect(parseAddressRange(input)).toEqual(expected);
  });

  it.each(["", "example.com", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0/8", "2001:db8::/129", "10.0.0.0/ 8"])(
    "refuses %j",
    (input) => {
      expect(parseAddressRange(input)).toBeNull();
    },
  );
});

describe("incidentFilterSchema", () => {
  it("treats empty form fields as absent and reads dates as the start of the day in UTC", () => {
    const filter = incidentFilterSchema.parse({ visibility: "", scope: "report:write", createdBefore: "2026-02-01", usedFrom: "" });
    expect(filter).toEqual({ scope: "report:write", createdBefore: new Date("2026-02-01T00:00:00.000Z"), tokenIds: [] });
  });

  it("refuses dates that do not exist, unknown scopes and duplicate-free selections over the limit", () => {
    expect(incidentFilterSchema.safeParse({ createdBefore: "2026-02-30" }).success).toBe(false);
    expect(incidentFilterSchema.safeParse({ scope: "admin" }).success).toBe(false);
    const id = "3f1c2b3a-1111-4222-8333-444455556666";
    expect(incidentFilterSchema.parse({ tokenIds: [id, id] }).tokenIds).toEqual([id]);
  });

  it("needs a count, a slug and a known action for the bulk operation", () => {
    const result = createIncidentSchema.safeParse({ action: "NUKE", expectedCount: "0" });
    expect(result.success).toBe(false);
    const fields = result.error!.issues.map((issue) => issue.path[0]);
    expect(fields).toEqual(expect.arrayContaining(["action", "expectedCount", "confirmSlug"]));
  });
});

describe("leakReportSchema", () => {
  it("reads GitHub's partner format and {tokens}", () => {
    expect(leakReportSchema.parse([{ token: "kw_x", type: "t", url: "https://u", source: "content" }])).toEqual([
      { token: "kw_x", type: "t", url: "https://u", source: "content" },
    ]);
    expect(leakReportSchema.parse({ tokens: ["a", "b"], url: "https://u" })).toEqual([
      { token: "a", url: "https://u", source: undefined },
      { token: "b", url: "https://u", source: undefined },
    ]);
  });

  it("refuses other shapes and oversized candidates", () => {
    expect(leakReportSchema.safeParse({ token: "kw_x" }).success).toBe(false);
    expect(leakReportSchema.safeParse([{ token: 42 }]).success).toBe(false);
    expect(leakReportSchema.safeParse([{ token: "x".repeat(2000) }]).success).toBe(false);
  });
});
