import { describe, expect, it } from "vitest";

import { splitGatewayPath, upstreamPath } from "./path";

describe("splitGatewayPath", () => {
  it("names the service and keeps the rest as sent", () => {
    expect(splitGatewayPath("/gw/billing/invoices/42")).toEqual({ serviceSlug: "billing", rest: "invoices/42" });
    expect(splitGatewayPath("/gw/billing")).toEqual({ serviceSlug: "billing", rest: "" });
    expect(splitGatewayPath("/gw/billing/")).toEqual({ serviceSlug: "billing", rest: "" });
    expect(splitGatewayPath("/gw/billing/a%20b/")).toEqual({ serviceSlug: "billing", rest: "a%20b/" });
  });

  it("is null outside /gw/ or without a service", () => {
    expect(splitGatewayPath("/v0/quota")).toBeNull();
    expect(splitGatewayPath("/gw/")).toBeNull();
    expect(splitGatewayPath("/gw//x")).toBeNull();
  });
});

describe("upstreamPath", () => {
  it("appends the rest under the base path, keeping the client's encoding and trailing slash", () => {
    expect(upstreamPath("/api/v1", "invoices/42")).toBe("/api/v1/invoices/42");
    expect(upstreamPath("/api/v1/", "invoices/")).toBe("/api/v1/invoices/");
    expect(upstreamPath("/", "a%20b")).toBe("/a%20b");
    expect(upstreamPath("", "")).toBe("/");
    expect(upstreamPath("/api", "")).toBe("/api/");
    expect(upstreamPath("/api", "v1.2/file..name/.well-known")).toBe("/api/v1.2/file..name/.well-known");
  });

  // An attacker holding a token for /gw/billing/ tries to reach what the base path keeps out of reach.
  it.each([
    "..",
    "../admin",
    "invoices/../../admin",
    "./x",
    "%2e%2e/admin",
    "%2E./admin",
    ".%2e/admin",
    "%252e%252e/admin",
    "..;/admin",
    "%2e%2e;jsessionid=1/admin",
    "a%2fb",
    "a%2F..%2Fadmin",
    "%252f",
    "a\\..\\admin",
    "a%5c..%5cadmin",
    "/evil.example/x",
    "http://evil.example/x",
    "a//b",
    "a%00b",
    "%zz",
  ])("refuses %s", (rest) => {
    expect(upstreamPath("/api", rest)).toBeNull();
  });
});
