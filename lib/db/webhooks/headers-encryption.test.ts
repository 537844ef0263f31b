import { describe, expect, it } from "vitest";

import { encryptTokenValue, generateKeySpec, parseKeyring, TokenDecryptionError } from "../../tokens/encryption";
import { decryptWebhookHeaders, encryptWebhookHeaders } from "./headers-encryption";

const keyring = parseKeyring(generateKeySpec(3));
const HEADERS = { Authorization: "Bearer receiver-credential-4711", "X-Team": "ops" };

describe("webhook header encryption", () => {
  it("stores no header value in plain text and decrypts to the same headers", () => {
    const stored = { id: "hook-1", ...encryptWebhookHeaders(keyring, "hook-1", HEADERS) };
    expect(stored.headersCiphertext).not.toContain("receiver-credential-4711");
    expect(stored.headersCiphertext).not.toContain("Authorization");
    expect(stored).toMatchObject({ headersKeyVersion: 3, legacyHeaders: null });
    expect(decryptWebhookHeaders(keyring, stored)).toEqual(HEADERS);
  });

  it("stores none as nulls and reads them back as none", () => {
    const stored = { id: "hook-1", ...encryptWebhookHeaders(keyring, "hook-1", null) };
    expect(stored).toEqual({ id: "hook-1", headersCiphertext: null, headersKeyVersion: null, legacyHeaders: null });
    expect(decryptWebhookHeaders(keyring, stored)).toBeNull();
  });

  it("refuses another webhook's ciphertext, and the webhook's own secret passed off as its headers", () => {
    const other = encryptWebhookHeaders(keyring, "hook-2", HEADERS);
    expect(() => decryptWebhookHeaders(keyring, { id: "hook-1", ...other })).toThrow(TokenDecryptionError);
    const secret = encryptTokenValue(keyring, JSON.stringify(HEADERS), "hook-1");
    expect(() =>
      decryptWebhookHeaders(keyring, { id: "hook-1", headersCiphertext: secret.ciphertext, headersKeyVersion: 3, legacyHeaders: null }),
    ).toThrow(TokenDecryptionError);
  });

  it("reads headers stored in plain text before encryption (a row not yet encrypted at startup)", () => {
    const legacy = { id: "hook-1", headersCiphertext: null, headersKeyVersion: null, legacyHeaders: JSON.stringify(HEADERS) };
    expect(decryptWebhookHeaders(keyring, legacy)).toEqual(HEADERS);
  });
});
