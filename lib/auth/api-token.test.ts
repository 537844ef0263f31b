import { describe, expect, it } from "vitest";

import { generateTokenValue } from "../tokens/format";
import { MAX_AUTHORIZATION_HEADER_BYTES, queryCarriesToken, tokenFromAuthorization } from "./api-token";

const token = generateTokenValue();
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString("base64")}`;

// Same random part, last checksum character changed: a typo the checksum catches.
function withBadChecksum(value: string): string {
  const last = value.at(-1)!;
  return value.slice(0, -1) + (last === "A" ? "B" : "A");
}

describe("tokenFromAuthorization", () => {
  it.each([
    ["Basic with the token as user name and an empty password (Socket clients)", basic(`${token}:`)],
    ["Bearer", `Bearer ${token}`],
    ["lower-case scheme", `bearer ${token}`],
    ["BASIC upper-case scheme", basic(`${token}:`).replace("Basic", "BASIC")],
  ])("accepts %s", (_label, header) => {
    expect(tokenFromAuthorization(header)).toEqual({ ok: true, token });
  });

  it.each([
    ["no header", undefined, "missing"],
    ["an empty header", "", "missing"],
    ["a scheme without credentials", "Bearer", "malformed"],
    ["an unknown scheme", `Token ${token}`, "malformed"],
    ["Basic that is not base64", "Basic %%%not-base64", "malformed"],
    ["Basic without a colon", basic(token), "malformed"],
    ["Basic with the token as password", basic(`user:${token}`), "malformed"],
    ["Basic with a non-empty password", basic(`${token}:secret`), "malformed"],
    ["a bad checksum (Bearer)", `Bearer ${withBadChecksum(token)}`, "bad-token"],
    ["a bad checksum (Basic)", basic(`${withBadChecksum(token)}:`), "bad-token"],
    ["a value without the kw_ prefix", "Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789", "bad-token"],
    ["a truncated token", `Bearer ${token.slice(0, -1)}`, "bad-token"],
    ["a header over 1 KiB", `Bearer ${token}${" ".repeat(MAX_AUTHORIZATION_HEADER_BYTES)}`, "too-long"],
  ])("refuses %s", (_label, header, reason) => {
    expect(tokenFromAuthorization(header)).toEqual({ ok: false, reason });
  });

  it("counts the header limit in bytes, not characters", () => {
    const multiByte = `Bearer ${"é".repeat(MAX_AUTHORIZATION_HEADER_BYTES / 2)}`;
    expect(multiByte.length).toBeLessThan(MAX_AUTHORIZATION_HEADER_BYTES);
    expect(tokenFromAuthorization(multiByte)).toEqual({ ok: false, reason: "too-long" });
  });
});

describe("queryCarriesToken", () => {
  it.each([
    ["token=x", true],
    ["api_key=x", true],
    ["Access_Token=x", true],
    [`q=${token}`, true],
    [`repo=web&note=${encodeURIComponent(`see ${token}`)}`, true],
    ["", false],
    ["per_page=10&page=2&token_values=include", false],
    ["repo=kw_not-a-token", false],
  ])("%s → %s", (search, expected) => {
    expect(queryCarriesToken(search)).toBe(expected);
  });
});
