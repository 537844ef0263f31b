import { describe, expect, it } from "vitest";

import { matchRoute, normalizeRequestPath, pathPatternProblem, resolveServiceCall, type ServiceRouteRule } from "./routes";

const ROUTES: ServiceRouteRule[] = [
  { method: "GET", pathPattern: "/invoices", scope: "invoices:read", cost: 1 },
  { method: "GET", pathPattern: "/invoices/:id", scope: "invoices:read", cost: 1 },
  { method: "POST", pathPattern: "/invoices", scope: "invoices:write", cost: 5 },
  { method: "*", pathPattern: "/invoices/:id", scope: "invoices", cost: 2 },
  { method: "GET", pathPattern: "/invoices/export", scope: "invoices:export", cost: 50 },
  { method: "*", pathPattern: "/files/*", scope: "files", cost: 3 },
  { method: "GET", pathPattern: "/files", scope: "files:list", cost: 1 },
];

describe("matchRoute", () => {
  it("picks the route by method and path, with its scope and cost", () => {
    expect(matchRoute(ROUTES, "GET", "/invoices")).toMatchObject({ scope: "invoices:read", cost: 1, route: "GET /invoices" });
    expect(matchRoute(ROUTES, "post", "/invoices")).toMatchObject({ scope: "invoices:write", cost: 5, route: "POST /invoices" });
    expect(matchRoute(ROUTES, "GET", "/invoices/42")).toMatchObject({ scope: "invoices:read", params: { id: "42" } });
  });

  it("prefers a literal segment over a :param, and a named method over *", () => {
    expect(matchRoute(ROUTES, "GET", "/invoices/export")).toMatchObject({ scope: "invoices:export", cost: 50 });
    expect(matchRoute(ROUTES, "DELETE", "/invoices/42")).toMatchObject({ scope: "invoices", cost: 2, route: "* /invoices/:id" });
  });

  it("a final * takes any rest, but an exact route beats a * that matched nothing", () => {
    expect(matchRoute(ROUTES, "PUT", "/files/a/b.txt")).toMatchObject({ scope: "files", params: { "*": "a/b.txt" } });
    expect(matchRoute(ROUTES, "GET", "/files")).toMatchObject({ scope: "files:list" });
    expect(matchRoute(ROUTES, "POST", "/files")).toMatchObject({ scope: "files" });
  });

  it("HEAD follows GET routes; unmatched methods and paths match nothing", () => {
    expect(matchRoute(ROUTES, "HEAD", "/invoices")).toMatchObject({ scope: "invoices:read" });
    expect(matchRoute(ROUTES, "PATCH", "/invoices")).toBeNull();
    expect(matchRoute(ROUTES, "GET", "/invoices/42/lines")).toBeNull();
  });

  it("ignores empty segments and a trailing slash", () => {
    expect(matchRoute(ROUTES, "GET", "//invoices/")).toMatchObject({ scope: "invoices:read", route: "GET /invoices" });
  });

  it("matches nothing for paths the upstream could read differently (dot segments, encoded separators)", () => {
    for (const path of [
      "/files/../invoices/export",
      "/invoices/./export",
      "/files/%2e%2e/admin",
      "/invoices%2Fexport",
      "/files\\..\\x",
      "invoices",
    ]) {
      expect(normalizeRequestPath(path), path).toBeNull();
      expect(matchRoute(ROUTES, "GET", path), path).toBeNull();
    }
  });
});

describe("resolveServiceCall", () => {
  const service = { defaultScope: "api", defaultCost: 1, routes: ROUTES };

  // Most upstreams decode the path before routing (Go, Flask, Django): "%65xport" is "export" to them.
  it("reads percent-encoded letters, digits and - _ ~ as themselves, so they choose the route they spell", () => {
    expect(normalizeRequestPath("/%69nvoices/%65xport")).toBe("/invoices/export");
    expect(normalizeRequestPath("/files/a%2Db%5Fc%7Ed%20e")).toBe("/files/a-b_c~d%20e");
    expect(resolveServiceCall(service, "GET", "/invoices/%65xport")).toMatchObject({ ok: true, scope: "invoices:export", cost: 50 });
    expect(resolveServiceCall(service, "GET", "/%66iles")).toMatchObject({ ok: true, scope: "files:list" });
  });

  // Express (by default) and IIS route without regard to case: "/invoices/EXPORT" is the export to them.
  it("refuses a path whose letter case would choose another scope or cost on a server that ignores case", () => {
    for (const path of ["/invoices/EXPORT", "/Invoices/Export", "/FILES/report.pdf", "/Files"]) {
      expect(resolveServiceCall(service, "GET", path), path).toMatchObject({ ok: false, reason: "unsafe_path" });
    }
    // Case that changes nothing is fine: a parameter's value, or a path no route knows either way.
    expect(resolveServiceCall(service, "GET", "/invoices/AbC-42")).toMatchObject({
      ok: true,
      scope: "invoices:read",
      params: { id: "AbC-42" },
    });
    expect(resolveServiceCall(service, "GET", "/Health")).toMatchObject({ ok: true, scope: "api" });
  });

  // Tomcat and Spring drop ";…" from each segment before routing: "/invoices/export;x" is the export to them.
  it("refuses a path whose ;parameters would choose another scope or cost on a server that drops them", () => {
    for (const path of ["/invoices/export;x", "/invoices;v=1/export", "/files;x", "/invoices;jsessionid=1"]) {
      expect(resolveServiceCall(service, "GET", path), path).toMatchObject({ ok: false, reason: "unsafe_path" });
    }
    expect(resolveServiceCall(service, "GET", "/invoices/42;v=2")).toMatchObject({ ok: true, scope: "invoices:read" });
  });

  it("falls back to the default scope when no route matches, and refuses without one", () => {
    expect(resolveServiceCall(service, "GET", "/health")).toEqual({ ok: true, scope: "api", cost: 1, route: "api", params: {} });
    expect(resolveServiceCall({ ...service, defaultScope: null }, "GET", "/health")).toMatchObject({ ok: false, reason: "no_route" });
  });

  it("refuses an unsafe path instead of giving it the default scope", () => {
    expect(resolveServiceCall(service, "GET", "/files/../invoices/export")).toMatchObject({ ok: false, reason: "unsafe_path" });
  });
});

describe("pathPatternProblem", () => {
  it("accepts literals, :params and a final *; explains anything else", () => {
    expect(pathPatternProblem("/invoices/:id/lines")).toBeNull();
    expect(pathPatternProblem("/files/*")).toBeNull();
    expect(pathPatternProblem("invoices")).toMatch(/Start/);
    expect(pathPatternProblem("/*/x")).toMatch(/last/);
    expect(pathPatternProblem("/a/../b")).toMatch(/\.\./);
    expect(pathPatternProblem("/a b")).toMatch(/not a path segment/);
  });
});
