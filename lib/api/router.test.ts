import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ENDPOINTS, type EndpointId } from "./endpoints";
import { matchRoute } from "./router";

const ALL = Object.entries(ENDPOINTS) as [EndpointId, (typeof ENDPOINTS)[EndpointId]][];

describe("matchRoute", () => {
  it("finds every endpoint by its own path and method, with its parameters decoded", () => {
    for (const [id, spec] of ALL) {
      const path = spec.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(`${name} ñ/x`));
      const match = matchRoute(spec.method, path);
      expect(match, `${spec.method} ${spec.path}`).toMatchObject({ kind: "found", id });
      if (match.kind !== "found") continue;
      for (const name of spec.path.match(/\{([a-z_]+)\}/g) ?? []) expect(match.params[name.slice(1, -1)]).toBe(`${name.slice(1, -1)} ñ/x`);
    }
  });

  it("prefers a literal segment to a parameter: /repos/labels is the label list, not a repository named labels", () => {
    expect(matchRoute("GET", "/v0/orgs/acme/repos/labels")).toMatchObject({ kind: "found", id: "getOrgRepoLabelList" });
    expect(matchRoute("GET", "/v0/orgs/acme/repos/labelz")).toMatchObject({ kind: "found", id: "getOrgRepo", params: { repo: "labelz" } });
    // DELETE exists for a repository but not for the label list: the closer match decides, so the
    // answer is "wrong method" listing the label list's methods, never a deleted repository.
    expect(matchRoute("DELETE", "/v0/orgs/acme/repos/labels")).toEqual({ kind: "wrong-method", allowed: ["GET", "POST"] });
  });

  it("answers wrong-method with every method the path has, once each", () => {
    expect(matchRoute("PUT", "/v0/orgs/acme/repos/api")).toEqual({ kind: "wrong-method", allowed: ["GET", "POST", "DELETE"] });
    expect(matchRoute("DELETE", "/v0/quota")).toEqual({ kind: "wrong-method", allowed: ["GET"] });
  });

  it("ignores one trailing slash and refuses unknown paths", () => {
    expect(matchRoute("GET", "/v0/quota/")).toMatchObject({ kind: "found", id: "getQuota" });
    expect(matchRoute("GET", "/v0/quota//")).toEqual({ kind: "none" });
    expect(matchRoute("GET", "/v0/nothing")).toEqual({ kind: "none" });
    expect(matchRoute("GET", "/")).toEqual({ kind: "none" });
  });

  it("refuses a parameter that is empty, badly encoded or holds a NUL", () => {
    for (const org of ["", "%E0%A4%A", "a%00b"]) expect(matchRoute("GET", `/v0/orgs/${org}/repos`)).toEqual({ kind: "none" });
  });

  it("never matches a route whose literal segments differ from the path's", () => {
    const segment = fc.stringMatching(/^[a-z0-9%-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 7 }), fc.constantFrom("GET", "POST", "PUT", "DELETE"), (segments, method) => {
        const path = `/${segments.join("/")}`;
        const match = matchRoute(method, path);
        if (match.kind !== "found") return;
        const pattern = match.spec.path.split("/");
        const actual = path.split("/");
        expect(actual.length).toBe(pattern.length);
        pattern.forEach((part, index) => {
          if (!part.startsWith("{")) expect(actual[index]).toBe(part);
        });
      }),
    );
  });
});
