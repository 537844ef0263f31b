import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";

import {
  checkTokenFormat,
  crc32,
  findTokenCandidates,
  generateTokenValue,
  hashTokenValue,
  maskToken,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  tokenLastFour,
} from "./format";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("crc32", () => {
  it("matches the standard IEEE check values", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.from("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});

describe("generateTokenValue", () => {
  it("produces kw_ + 36 base62 characters", () => {
    const token = generateTokenValue();
    expect(TOKEN_PREFIX).toBe("kw_");
    expect(TOKEN_LENGTH).toBe(39);
    expect(token).toMatch(/^kw_[0-9A-Za-z]{36}$/);
  });

  it("ends with the zero-padded base62 CRC32 of the 30 random characters", () => {
    const token = generateTokenValue();
    const random = token.slice(3, 33);
    let n = crc32(Buffer.from(random));
    let expected = "";
    do {
      expected = BASE62[n % 62] + expected;
      n = Math.floor(n / 62);
    } while (n > 0);
    expect(token.slice(33)).toBe(expected.padStart(6, "0"));
  });

  it("generates 10,000 unique tokens that all pass checkTokenFormat", () => {
    const tokens = Array.from({ length: 10_000 }, generateTokenValue);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens.every((token) => checkTokenFormat(token).ok)).toBe(true);
  });

  it("uses every base62 character roughly uniformly (no modulo bias)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      for (const char of generateTokenValue().slice(3, 33)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    // 600,000 draws / 62 ≈ 9,677 each; modulo bias on bytes would give the first 8 chars ~+25%.
    const expected = (20_000 * 30) / 62;
    for (const count of counts.values()) {
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.06);
    }
  });
});

describe("checkTokenFormat", () => {
  const token = generateTokenValue();

  it("accepts a generated token", () => {
    expect(checkTokenFormat(token)).toEqual({ ok: true });
  });

  it("reports the first failing rule", () => {
    expect(checkTokenFormat("ghp_" + token.slice(3))).toEqual({ ok: false, reason: "prefix" });
    expect(checkTokenFormat("KW_" + token.slice(3))).toEqual({ ok: false, reason: "prefix" });
    expect(checkTokenFormat("")).toEqual({ ok: false, reason: "prefix" });
    expect(checkTokenFormat(token.slice(0, -1))).toEqual({ ok: false, reason: "length" });
    expect(checkTokenFormat(token + "0")).toEqual({ ok: false, reason: "length" });
    expect(checkTokenFormat(`${token} `)).toEqual({ ok: false, reason: "length" });
    expect(checkTokenFormat(token.slice(0, 10) + "-" + token.slice(11))).toEqual({ ok: false, reason: "charset" });
    expect(checkTokenFormat(token.slice(0, 10) + "é" + token.slice(11))).toEqual({ ok: false, reason: "charset" });
  });

  it("rejects every one-character typo in the random part or checksum", () => {
    for (let i = 3; i < token.length; i++) {
      for (const replacement of ["0", "Z", "z", "5"]) {
        if (token[i] === replacement) continue;
        const typo = token.slice(0, i) + replacement + token.slice(i + 1);
        expect(checkTokenFormat(typo), `typo at ${i}`).toEqual({ ok: false, reason: "checksum" });
      }
    }
  });

  it("rejects swapped adjacent characters", () => {
    const i = [...Array(29).keys()].map((k) => k + 3).find((k) => token[k] !== token[k + 1])!;
    const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2);
    expect(checkTokenFormat(swapped)).toEqual({ ok: false, reason: "checksum" });
  });

  // Speed is not asserted here (timings are noisy); the length check comes before any per-character work.
  it("rejects huge input by its length", () => {
    const huge = "kw_" + "a".repeat(50_000_000);
    expect(checkTokenFormat(huge)).toEqual({ ok: false, reason: "length" });
  });
});

describe("hashing and display", () => {
  it("hashes with lowercase hex SHA-256", () => {
    expect(hashTokenValue("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const token = generateTokenValue();
    expect(hashTokenValue(token)).toBe(createHash("sha256").update(token).digest("hex"));
    expect(hashTokenValue(token)).not.toBe(hashTokenValue(generateTokenValue()));
  });

  it("keeps the last four characters and masks with the prefix", () => {
    const token = generateTokenValue();
    expect(tokenLastFour(token)).toBe(token.slice(35));
    expect(tokenLastFour(token)).toHaveLength(4);
    expect(maskToken("a1B2")).toBe("kw_…a1B2");
  });
});

describe("findTokenCandidates", () => {
  const a = generateTokenValue();
  const b = generateTokenValue();

  it("finds every valid token in free text, deduplicated, in order", () => {
    const text = `export API_TOKEN=${a}\nAuthorization: Bearer ${b}\n"${a}", (${b}).`;
    expect(findTokenCandidates(text)).toEqual([a, b]);
  });

  it("ignores lookalikes with a bad checksum or glued to other word characters", () => {
    const badChecksum = a.slice(0, 10) + (a[10] === "x" ? "y" : "x") + a.slice(11);
    const text = [badChecksum, `x${a}`, `${a}x`, `${a}0`, `my_${b}`, a.slice(0, -1)].join(" ");
    expect(findTokenCandidates(text)).toEqual([]);
  });

  it("returns nothing for text without tokens", () => {
    expect(findTokenCandidates("")).toEqual([]);
    expect(findTokenCandidates("kw_ and kw_short and ghp_" + "a".repeat(36))).toEqual([]);
  });
});
