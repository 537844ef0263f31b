import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export type TokenKeyring = { current: number; keys: Map<number, Buffer> };
export type EncryptedTokenValue = { ciphertext: string; keyVersion: number };

export class KeyringError extends Error {
  override name = "KeyringError";
}

/** Deliberately vague: callers must fail closed, and the message must not help an attacker. */
export class TokenDecryptionError extends Error {
  override name = "TokenDecryptionError";
}

const KEYRING_SETTING = "TOKEN_ENCRYPTION_KEYS";
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Parses `<version>:<base64 key>,...`; the highest version encrypts, all versions decrypt. */
export function parseKeyring(spec: string | undefined): TokenKeyring {
  const entries = (spec ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) {
    throw new KeyringError(`${KEYRING_SETTING} is empty (expected e.g. "1:<base64 of 32 random bytes>")`);
  }

  const keys = new Map<number, Buffer>();
  entries.forEach((entry, index) => {
    // Never echo the entry itself: it is key material.
    const match = /^(\d+):(\S+)$/.exec(entry);
    if (!match) {
      throw new KeyringError(`${KEYRING_SETTING}: entry ${index + 1} is not in the form <version>:<base64 key>`);
    }
    const version = Number(match[1]);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new KeyringError(`${KEYRING_SETTING}: entry ${index + 1} has an invalid key version (must be a positive integer)`);
    }
    if (keys.has(version)) {
      throw new KeyringError(`${KEYRING_SETTING}: key version ${version} appears more than once`);
    }
    const key = decodeKey(match[2]!);
    if (!key) {
      throw new KeyringError(`${KEYRING_SETTING}: key version ${version} is not 32 bytes of base64`);
    }
    keys.set(version, key);
  });

  return { current: Math.max(...keys.keys()), keys };
}

export function formatKeyring(keyring: TokenKeyring): string {
  return [...keyring.keys.entries()]
    .sort(([a], [b]) => b - a)
    .map(([version, key]) => `${version}:${key.toString("base64")}`)
    .join(",");
}

export function generateKeySpec(version = 1): string {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new KeyringError(`${KEYRING_SETTING}: key version must be a positive integer`);
  }
  return `${version}:${randomBytes(KEY_BYTES).toString("base64")}`;
}

/** associatedId (the row id) is bound as AAD so a ciphertext copied to another row will not decrypt. */
export function encryptTokenValue(keyring: TokenKeyring, plaintext: string, associatedId: string): EncryptedTokenValue {
  const key = keyring.keys.get(keyring.current);
  if (!key || key.length !== KEY_BYTES) {
    throw new KeyringError(`${KEYRING_SETTING}: current key version ${keyring.current} is missing or not 32 bytes`);
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedId, "utf8"));
  const encrypted = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const ciphertext = Buffer.concat([nonce, encrypted, cipher.getAuthTag()]).toString("base64url");
  return { ciphertext, keyVersion: keyring.current };
}

export function decryptTokenValue(keyring: TokenKeyring, ciphertext: string, keyVersion: number, associatedId: string): string {
  const key = keyring.keys.get(keyVersion);
  if (!key) throw new TokenDecryptionError(`No encryption key with version ${keyVersion}`);
  if (typeof ciphertext !== "string" || !BASE64URL_PATTERN.test(ciphertext)) {
    throw new TokenDecryptionError("Token ciphertext is not valid base64url");
  }
  const data = Buffer.from(ciphertext, "base64url");
  if (data.length < NONCE_BYTES + TAG_BYTES) throw new TokenDecryptionError("Token ciphertext is too short");

  const nonce = data.subarray(0, NONCE_BYTES);
  const encrypted = data.subarray(NONCE_BYTES, data.length - TAG_BYTES);
  const tag = data.subarray(data.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedId, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(encrypted), decipher.final()]).toString("utf8");
  } catch (cause) {
    throw new TokenDecryptionError("Token ciphertext failed authentication", { cause });
  }
}

/** Re-encrypts under the current key with a fresh nonce (used by keys:rotate). */
export function reencryptTokenValue(
  keyring: TokenKeyring,
  ciphertext: string,
  keyVersion: number,
  associatedId: string,
): EncryptedTokenValue {
  return encryptTokenValue(keyring, decryptTokenValue(keyring, ciphertext, keyVersion, associatedId), associatedId);
}

function decodeKey(encoded: string): Buffer | null {
  const key = Buffer.from(encoded, "base64");
  // Buffer.from silently skips invalid characters, so require a canonical round trip.
  return key.length === KEY_BYTES && key.toString("base64") === encoded ? key : null;
}
