import { describe, expect, it } from "vitest";

import { createTokenSchema, normalizeScopes, rotateTokenSchema, updateTokenSchema } from "./token";

const valid = { name: "CI", scopes: ["report:read"], visibility: "ADMIN_ONLY", quotaMax: "100", quotaWindow: "DAILY", expiresAt: "" };
const TOKEN_ID = "6f1c1a9e-1c1b-4c1b-9c1b-1c1b1c1b1c1b";

function fieldOf(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) {
  return result.success ? null : (result.error?.issues ?? []).map((issue) => issue.path.join("."));
}

describe("token input schemas", () => {
  it("accepts a form submission and normalizes it", () => {
    const parsed = createTokenSchema.parse({ ...valid, name: "  CI  ", scopes: ["", "report", "report:write", "repo:list"] });
    expect(parsed).toEqual({
      name: "CI",
      scopes: ["report", "repo:list"],
      visibility: "ADMIN_ONLY",
      quotaMax: 100,
      quotaWindow: "DAILY",
      expiresAt: null,
      allowedNetworks: [],
      serviceScopes: [],
      createAnyway: false,
    });
  });

  it("accepts a token with only service scopes, and refuses service scopes outside the notation", () => {
    const parsed = createTokenSchema.parse({
      ...valid,
      scopes: [""],
      serviceScopes: ["", "billing/invoices:read", "billing/invoices:read"],
    });
    expect(parsed).toMatchObject({ scopes: [], serviceScopes: ["billing/invoices:read"] });
    expect(fieldOf(createTokenSchema.safeParse({ ...valid, serviceScopes: ["invoices:read"] }))).toEqual(["serviceScopes"]);
    expect(fieldOf(createTokenSchema.safeParse({ ...valid, scopes: [""], serviceScopes: [""] }))).toEqual(["scopes"]);
  });

  it.each([
    ["empty name", { name: " " }, "name"],
    ["300-character name", { name: "x".repeat(300) }, "name"],
    ["control characters in the name", { name: "a\nb" }, "name"],
    ["unknown scope", { scopes: ["report:read", "root"] }, "scopes"],
    ["negative quota", { quotaMax: "-1" }, "quotaMax"],
    ["a quota of 0", { quotaMax: "0" }, "quotaMax"],
    ["no scope (the form's empty entry only)", { scopes: "" }, "scopes"],
    ["no scope field at all", { scopes: undefined }, "scopes"],
    ["a 10,000-character name", { name: "x".repeat(10_000) }, "name"],
    ["fractional quota", { quotaMax: "1.5" }, "quotaMax"],
    ["empty quota", { quotaMax: "" }, "quotaMax"],
    ["quota beyond a 32-bit column", { quotaMax: "3000000000" }, "quotaMax"],
    ["unknown window", { quotaWindow: "WEEKLY" }, "quotaWindow"],
    ["unknown visibility", { visibility: "PUBLIC" }, "visibility"],
    ["past expiry", { expiresAt: "2000-01-01" }, "expiresAt"],
    ["non-existent date", { expiresAt: "2031-02-30" }, "expiresAt"],
    ["free-text date", { expiresAt: "next tuesday" }, "expiresAt"],
    ["malformed network", { allowedNetworks: "10.0.0.0/33" }, "allowedNetworks"],
    ["101 networks", { allowedNetworks: Array.from({ length: 101 }, (_, i) => `10.${i}.0.0/16`) }, "allowedNetworks"],
  ])("refuses %s", (_label, patch, field) => {
    expect(fieldOf(createTokenSchema.safeParse({ ...valid, ...patch }))).toEqual([field]);
  });

  it("reads a bare expiry date as the end of that day in UTC", () => {
    const year = new Date().getUTCFullYear() + 1;
    expect(createTokenSchema.parse({ ...valid, expiresAt: `${year}-03-01` }).expiresAt).toEqual(new Date(`${year}-03-01T23:59:59.999Z`));
  });

  it("on edit, leaves out what was not sent and clears what was sent empty", () => {
    const base = { tokenId: TOKEN_ID, name: "CI", visibility: "ADMIN_ONLY", quotaMax: "5", quotaWindow: "HOURLY" };
    expect(updateTokenSchema.parse(base)).not.toHaveProperty("expiresAt");
    expect(updateTokenSchema.parse(base).scopes).toBeUndefined();
    expect(updateTokenSchema.parse({ ...base, expiresAt: "" })).toMatchObject({ expiresAt: null });
  });

  it("on edit, refuses unchecking every scope and a quota of 0", () => {
    const base = { tokenId: TOKEN_ID, name: "CI", visibility: "ADMIN_ONLY", quotaMax: "5", quotaWindow: "HOURLY" };
    expect(fieldOf(updateTokenSchema.safeParse({ ...base, scopes: "" }))).toEqual(["scopes"]);
    expect(fieldOf(updateTokenSchema.safeParse({ ...base, quotaMax: "0" }))).toEqual(["quotaMax"]);
  });

  it("reads the 'create anyway' button of the duplicate-name warning", () => {
    expect(createTokenSchema.parse({ ...valid, createAnyway: "true" }).createAnyway).toBe(true);
  });

  it("limits rotation grace to 7 days and reads the checkbox", () => {
    expect(rotateTokenSchema.parse({ tokenId: TOKEN_ID })).toEqual({ tokenId: TOKEN_ID, graceHours: 0, makeAdminOnly: false });
    expect(rotateTokenSchema.parse({ tokenId: TOKEN_ID, graceHours: "168", makeAdminOnly: "true" })).toMatchObject({
      graceHours: 168,
      makeAdminOnly: true,
    });
    expect(rotateTokenSchema.safeParse({ tokenId: TOKEN_ID, graceHours: "169" }).success).toBe(false);
  });

  it("drops children covered by their parent", () => {
    expect(normalizeScopes(["report", "report:read", "repo:list", "audit-log", "audit-log:list"])).toEqual([
      "report",
      "repo:list",
      "audit-log",
    ]);
  });
});
