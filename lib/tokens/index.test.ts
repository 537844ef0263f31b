import { describe, expect, it } from "vitest";

import * as tokens from "./index";

describe("lib/tokens index", () => {
  it("re-exports the public API of every module", () => {
    const expected = [
      "TOKEN_PREFIX",
      "generateTokenValue",
      "checkTokenFormat",
      "hashTokenValue",
      "tokenLastFour",
      "maskToken",
      "findTokenCandidates",
      "KeyringError",
      "TokenDecryptionError",
      "parseKeyring",
      "generateKeySpec",
      "formatKeyring",
      "encryptTokenValue",
      "decryptTokenValue",
      "reencryptTokenValue",
      "SCOPES",
      "SCOPE_NAMES",
      "SCOPE_TREE",
      "isScope",
      "parseScopeList",
      "serializeScopes",
      "deserializeScopes",
      "scopeGrants",
      "expandScopes",
      "scopesCovered",
      "QUOTA_WINDOWS",
      "nextQuotaReset",
      "secondsUntil",
    ];
    for (const name of expected) expect(tokens, name).toHaveProperty(name);
  });

  it("wires a generated token through format, hashing and encryption", () => {
    const value = tokens.generateTokenValue();
    const keyring = tokens.parseKeyring(tokens.generateKeySpec());
    const { ciphertext, keyVersion } = tokens.encryptTokenValue(keyring, value, "row-1");
    expect(tokens.checkTokenFormat(tokens.decryptTokenValue(keyring, ciphertext, keyVersion, "row-1"))).toEqual({ ok: true });
    expect(tokens.findTokenCandidates(`leaked: ${value}`)).toEqual([value]);
    expect(tokens.maskToken(tokens.tokenLastFour(value))).toBe(`kw_…${value.slice(-4)}`);
  });
});
