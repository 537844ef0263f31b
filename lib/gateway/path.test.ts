import { describe, expect, it } from "vitest";

import { resolveServiceCall } from "../domain/services/routes";
import { gatewayLocation, splitGatewayPath, upstreamPath } from "./path";

describe("splitGatewayPath", () => {
  it("names the service and keeps the rest as sent", () => {
    expect(splitGatewayPath("/gw/billing/invoices/42")).toEqual({ serviceSlug: "billing", rest: "/invoices/42" });
    expect(splitGatewayPath("/gw/billing")).toEqual({ serviceSlug: "billing", rest: "/" });
    expect(splitGatewayPath("/gw/billing/")).toEqual({ serviceSlug: "billing", rest: "/" });
    expect(splitGatewayPath("/gw/billing/a%20b/")).toEqual({ serviceSlug: "billing", rest: "/a%20b/" });
  });

  it("is null outside /gw/ or without a service", () => {
    expect(splitGatewayPath("/v0/quota")).toBeNull();
    expect(splitGatewayPath("/gw/")).toBeNull();
    expect(splitGatewayPath("/gw//x")).toBeNull();
  });
});

describe("upstreamPath", () => {
  it("appends the rest under the base path, keeping the client's encoding and trailing slash", () => {
    expect(upstreamPath("/api/v1", "/invoices/42")).toBe("/api/v1/invoices/42");
    expect(upstreamPath("/api/v1/", "/invoices/")).toBe("/api/v1/invoices/");
    expect(upstreamPath("/", "/a%20b")).toBe("/a%20b");
    expect(upstreamPath("", "/")).toBe("/");
    expect(upstreamPath("/api", "/")).toBe("/api/");
    expect(upstreamPath("/api", "/v1.2/file..name/.well-known")).toBe("/api/v1.2/file..name/.well-known");
  });

  it("forwards text that only decodes to itself: UTF-8 escapes, a lone %, an encoded %", () => {
    expect(upstreamPath("/api", "/caf%C3%A9/%E2%82%AC")).toBe("/api/caf%C3%A9/%E2%82%AC");
    expect(upstreamPath("/api", "/100%")).toBe("/api/100%");
    expect(upstreamPath("/api", "/100%25/off")).toBe("/api/100%25/off");
    expect(upstreamPath("/api", "/a%3Bb/v1.2")).toBe("/api/a%3Bb/v1.2");
  });

  it("forwards the path the route was matched on: empty segments dropped", () => {
    expect(upstreamPath("/api", "//evil.example/x")).toBe("/api/evil.example/x");
    expect(upstreamPath("/api", "/http://evil.example/x")).toBe("/api/http:/evil.example/x");
    expect(upstreamPath("/", "//evil.example/x")).toBe("/evil.example/x");
  });

  // An attacker holding a token for one route of /gw/billing/ tries to reach what the base path
  // or the route's scope keeps out of reach, on an upstream that normalizes or decodes paths.
  it.each([
    "/..",
    "/../admin",
    "/invoices/../../admin",
    "/./x",
    "/%2e%2e/admin",
    "/%2E./admin",
    "/.%2e/admin",
    "/%252e%252e/admin",
    "/%25252e%25252e/admin",
    "/..;/admin",
    "/public/..;jsessionid=1/admin",
    "/a%2fb",
    "/a%2F..%2Fadmin",
    "/%252f",
    "/a\\..\\admin",
    "/a%5c..%5cadmin",
    "/a%00b",
    // Overlong UTF-8 for "." and "/" (old decoders read them so), also encoded twice.
    "/%c0%ae%c0%ae/admin",
    "/%e0%80%ae%e0%80%ae/admin",
    "/a%c0%afadmin",
    "/%25c0%25ae%25c0%25ae/admin",
    // Characters that Unicode normalization (NFKC) turns into dots or separators: full-width, one- and two-dot leaders.
    "/%ef%bc%8e%ef%bc%8e/admin",
    "/\uff0e\uff0e/admin",
    "/%e2%80%a5/admin",
    "/%e2%80%a4%e2%80%a4/admin",
    "/a%ef%bc%8f..%ef%bc%8fadmin",
    "/a%ef%bc%bc..%ef%bc%bcadmin",
  ])("refuses %s, and no route or default scope matches it", (rest) => {
    expect(upstreamPath("/api", rest)).toBeNull();
    const service = {
      defaultScope: "public",
      defaultCost: 1,
      routes: [{ method: "*", pathPattern: "/public/*", scope: "public", cost: 1 }],
    };
    expect(resolveServiceCall(service, "GET", rest)).toMatchObject({ ok: false, reason: "unsafe_path" });
  });
});

describe("gatewayLocation", () => {
  const upstream = new URL("http://10.0.0.5:8080/api/");
  it("maps a place under the upstream's base path to the gateway path that reaches it", () => {
    expect(gatewayLocation("http://10.0.0.5:8080/api/invoices/43?x=1", upstream, "billing")).toBe("/gw/billing/invoices/43?x=1");
    expect(gatewayLocation("/api/invoices", upstream, "billing")).toBe("/gw/billing/invoices");
    expect(gatewayLocation("/x", new URL("http://10.0.0.5:8080"), "billing")).toBe("/gw/billing/x");
  });
  it("leaves alone what the gateway cannot reach, or the client resolves right already", () => {
    expect(gatewayLocation("/apix/invoices", upstream, "billing")).toBeNull();
    expect(gatewayLocation("http://10.0.0.5:8081/api/invoices", upstream, "billing")).toBeNull();
    expect(gatewayLocation("https://10.0.0.5:8080/api/invoices", upstream, "billing")).toBeNull();
    expect(gatewayLocation("invoices/43", upstream, "billing")).toBeNull();
    expect(gatewayLocation("//evil.example/api/x", upstream, "billing")).toBeNull();
  });
});
