import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";

import {
  decryptTokenValue,
  encryptTokenValue,
  formatKeyring,
  generateKeySpec,
  KeyringError,
  parseKeyring,
  reencryptTokenValue,
  TokenDecryptionError,
  type TokenKeyring,
} from "./encryption";

const key = (fill: number) => Buffer.alloc(32, fill).toString("base64");
const TOKEN = "kw_0123456789abcdefghijABCDEFGHIJ000000";
const ROW_ID = "tv_123";

describe("parseKeyring", () => {
  it("parses versions in any order and makes the highest current", () => {
    const keyring = parseKeyring(` 1:${key(1)} , 3:${key(3)},2:${key(2)} `);
    expect(keyring.current).toBe(3);
    expect([...keyring.keys.keys()].sort()).toEqual([1, 2, 3]);
    expect(keyring.keys.get(2)).toEqual(Buffer.alloc(32, 2));
  });

  it.each([
    ["", /TOKEN_ENCRYPTION_KEYS is empty/],
    ["  ,  ", /TOKEN_ENCRYPTION_KEYS is empty/],
    [key(1), /entry 1 is not in the form <version>:<base64 key>/],
    [`1:${key(1)},two:${key(2)}`, /entry 2 is not in the form/],
    [`0:${key(1)}`, /entry 1 has an invalid key version/],
    [`99999999999999999999:${key(1)}`, /invalid key version/],
    [`1:${key(1)},1:${key(2)}`, /key version 1 appears more than once/],
    [`1:${Buffer.alloc(16).toString("base64")}`, /key version 1 is not 32 bytes of base64/],
    [`1:${Buffer.alloc(33).toString("base64")}`, /key version 1 is not 32 bytes of base64/],
    [`2:${key(1).replace("A", "*")}`, /key version 2 is not 32 bytes of base64/],
    [`1:${key(1).replace(/=$/, "")}`, /key version 1 is not 32 bytes of base64/],
  ])("rejects %j", (spec, message) => {
    expect(() => parseKeyring(spec)).toThrow(KeyringError);
    expect(() => parseKeyring(spec)).toThrow(message);
  });

  it("rejects a missing setting", () => {
    expect(() => parseKeyring(undefined)).toThrow(KeyringError);
  });

  it("never echoes key material and uses a single line", () => {
    const secret = randomBytes(16).toString("base64");
    try {
      parseKeyring(`1:${secret}`);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
      expect((error as Error).message).not.toContain("\n");
    }
  });
});

describe("generateKeySpec / formatKeyring", () => {
  it("generates a parseable random 32-byte key", () => {
    const spec = generateKeySpec();
    expect(spec).toMatch(/^1:[A-Za-z0-9+/]{43}=$/);
    expect(parseKeyring(spec).keys.get(1)).toHaveLength(32);
    expect(generateKeySpec(7)).toMatch(/^7:/);
    expect(generateKeySpec()).not.toBe(spec);
    expect(() => generateKeySpec(0)).toThrow(KeyringError);
  });

  it("formats a keyring newest first and round-trips through parseKeyring", () => {
    const spec = `1:${key(1)},2:${key(2)}`;
    const formatted = formatKeyring(parseKeyring(spec));
    expect(formatted).toBe(`2:${key(2)},1:${key(1)}`);
    expect(parseKeyring(formatted)).toEqual(parseKeyring(spec));
  });
});

describe("encryptTokenValue / decryptTokenValue", () => {
  const keyring = parseKeyring(`1:${key(1)},2:${key(2)}`);

  it("round-trips under the current key", () => {
    const encrypted = encryptTokenValue(keyring, TOKEN, ROW_ID);
    expect(encrypted.keyVersion).toBe(2);
    expect(encrypted.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(encrypted.ciphertext, "base64url")).toHaveLength(12 + TOKEN.length + 16);
    expect(encrypted.ciphertext).not.toContain(TOKEN.slice(3, 13));
    expect(decryptTokenValue(keyring, encrypted.ciphertext, 2, ROW_ID)).toBe(TOKEN);
  });

  it("uses a fresh nonce every time", () => {
    const a = encryptTokenValue(keyring, TOKEN, ROW_ID).ciphertext;
    const b = encryptTokenValue(keyring, TOKEN, ROW_ID).ciphertext;
    expect(a).not.toBe(b);
    expect(a.slice(0, 16)).not.toBe(b.slice(0, 16));
  });

  it("decrypts values written under an older key version", () => {
    const old = encryptTokenValue(parseKeyring(`1:${key(1)}`), TOKEN, ROW_ID);
    expect(old.keyVersion).toBe(1);
    expect(decryptTokenValue(keyring, old.ciphertext, 1, ROW_ID)).toBe(TOKEN);
  });

  it("refuses to encrypt when the current key is missing", () => {
    const broken: TokenKeyring = { current: 5, keys: new Map([[1, Buffer.alloc(32, 1)]]) };
    expect(() => encryptTokenValue(broken, TOKEN, ROW_ID)).toThrow(KeyringError);
  });

  describe("fails closed with TokenDecryptionError", () => {
    const { ciphertext } = encryptTokenValue(keyring, TOKEN, ROW_ID);
    const bytes = Buffer.from(ciphertext, "base64url");
    const flipped = (index: number) => {
      const copy = Buffer.from(bytes);
      copy[index] = copy[index]! ^ 0x01;
      return copy.toString("base64url");
    };

    it.each([
      ["tampered nonce", () => decryptTokenValue(keyring, flipped(0), 2, ROW_ID)],
      ["tampered body", () => decryptTokenValue(keyring, flipped(20), 2, ROW_ID)],
      ["tampered tag", () => decryptTokenValue(keyring, flipped(bytes.length - 1), 2, ROW_ID)],
      ["truncated tag", () => decryptTokenValue(keyring, bytes.subarray(0, -1).toString("base64url"), 2, ROW_ID)],
      ["wrong AAD (copied to another row)", () => decryptTokenValue(keyring, ciphertext, 2, "tv_124")],
      ["wrong key version", () => decryptTokenValue(keyring, ciphertext, 1, ROW_ID)],
      ["unknown key version", () => decryptTokenValue(keyring, ciphertext, 3, ROW_ID)],
      ["standard base64 instead of base64url", () => decryptTokenValue(keyring, bytes.toString("base64") + "+/", 2, ROW_ID)],
      ["too short", () => decryptTokenValue(keyring, randomBytes(27).toString("base64url"), 2, ROW_ID)],
      ["empty", () => decryptTokenValue(keyring, "", 2, ROW_ID)],
    ])("%s", (_label, attempt) => {
      expect(attempt).toThrow(TokenDecryptionError);
    });

    it("does not leak the plaintext in the error", () => {
      try {
        decryptTokenValue(keyring, ciphertext, 2, "tv_124");
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(TokenDecryptionError);
        expect(String(error)).not.toContain(TOKEN);
      }
    });
  });
});

describe("reencryptTokenValue", () => {
  it("moves a value to the current key after rotation", () => {
    const before = parseKeyring(`1:${key(1)}`);
    const original = encryptTokenValue(before, TOKEN, ROW_ID);

    const after = parseKeyring(`${generateKeySpec(2)},${formatKeyring(before)}`);
    const rotated = reencryptTokenValue(after, original.ciphertext, original.keyVersion, ROW_ID);

    expect(rotated.keyVersion).toBe(2);
    expect(rotated.ciphertext).not.toBe(original.ciphertext);
    expect(decryptTokenValue(after, rotated.ciphertext, 2, ROW_ID)).toBe(TOKEN);
    // Once the old key is retired, only the re-encrypted value is readable.
    const retired: TokenKeyring = { current: 2, keys: new Map([[2, after.keys.get(2)!]]) };
    expect(decryptTokenValue(retired, rotated.ciphertext, 2, ROW_ID)).toBe(TOKEN);
    expect(() => decryptTokenValue(retired, original.ciphertext, 1, ROW_ID)).toThrow(TokenDecryptionError);
  });

  it("refuses to re-encrypt something that does not decrypt", () => {
    const keyring = parseKeyring(`1:${key(1)}`);
    const { ciphertext } = encryptTokenValue(keyring, TOKEN, ROW_ID);
    expect(() => reencryptTokenValue(keyring, ciphertext, 1, "other")).toThrow(TokenDecryptionError);
  });
});
