import { describe, expect, it } from "vitest";

import { KeywardVerifyError, statusForRefusal, tokenFromRequestHeader, verifyToken } from "./verify";

const answer = (status: number, body: unknown): typeof fetch =>
  (async (url: URL | RequestInfo, init?: RequestInit) => {
    expect(String(url)).toBe("https://keyward.test/v1/verify");
    expect(init?.headers).toMatchObject({ authorization: "Bearer kws_key" });
    expect(JSON.parse(String(init?.body))).toEqual({ token: "kw_t", scope: "invoices:read", cost: 2 });
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch;

const call = (fetchImpl: typeof fetch) =>
  verifyToken({ baseUrl: "https://keyward.test", serviceKey: "kws_key", token: "kw_t", scope: "invoices:read", cost: 2, fetch: fetchImpl });

describe("verifyToken", () => {
  it("returns the verdict, valid or not", async () => {
    expect(await call(answer(200, { valid: false, code: "revoked", message: "x" }))).toMatchObject({ valid: false, code: "revoked" });
    expect(await call(answer(200, { valid: true, scopes: [] }))).toMatchObject({ valid: true });
  });

  it("throws Keyward's own errors (a bad service key) instead of calling them a refused token", async () => {
    const error = await call(answer(401, { error: { message: "Invalid service key", details: null } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeywardVerifyError);
    expect(error).toMatchObject({ status: 401, message: "Invalid service key" });
  });
});

describe("helpers for middleware", () => {
  it("reads Bearer and Basic tokens", () => {
    expect(tokenFromRequestHeader("Bearer kw_abc")).toBe("kw_abc");
    expect(tokenFromRequestHeader(`Basic ${btoa("kw_abc:")}`)).toBe("kw_abc");
    expect(tokenFromRequestHeader(undefined)).toBeNull();
    expect(tokenFromRequestHeader("Token kw_abc")).toBeNull();
  });

  it("maps refusals to the status a service answers", () => {
    expect(statusForRefusal("quota_exhausted")).toBe(429);
    expect(statusForRefusal("missing_scope")).toBe(403);
    expect(statusForRefusal("revoked")).toBe(401);
  });
});
