import { hash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "kw_";

const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + RANDOM_LENGTH + CHECKSUM_LENGTH;

const BODY_PATTERN = /^[0-9A-Za-z]+$/;
// \b on both sides: a kw_ token glued to other word characters is not a token.
const CANDIDATE_PATTERN = new RegExp(`\\b${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}\\b`, "g");

export type TokenFormatFailure = "prefix" | "length" | "charset" | "checksum";
export type TokenFormatResult = { ok: true } | { ok: false; reason: TokenFormatFailure };

/** A service's verification key (lib/domain/services): same shape as a token, its own prefix, so neither passes for the other. */
export const SERVICE_KEY_PREFIX = "kws_";

export function generateTokenValue(): string {
  return generateValue(TOKEN_PREFIX);
}

export function generateServiceKey(): string {
  return generateValue(SERVICE_KEY_PREFIX);
}

/** Structural check only (no database): lets us reject typos and junk before hashing or querying. */
export function checkTokenFormat(candidate: string): TokenFormatResult {
  return checkFormat(TOKEN_PREFIX, candidate);
}

export function checkServiceKeyFormat(candidate: string): TokenFormatResult {
  return checkFormat(SERVICE_KEY_PREFIX, candidate);
}

export function maskServiceKey(lastFour: string): string {
  return `${SERVICE_KEY_PREFIX}…${lastFour}`;
}

function generateValue(prefix: string): string {
  const random = randomBase62(RANDOM_LENGTH);
  return prefix + random + checksumOf(random);
}

function checkFormat(prefix: string, candidate: string): TokenFormatResult {
  // startsWith and .length are O(1)-ish, so huge inputs are rejected before any per-character work.
  if (typeof candidate !== "string" || !candidate.startsWith(prefix)) return { ok: false, reason: "prefix" };
  if (candidate.length !== prefix.length + RANDOM_LENGTH + CHECKSUM_LENGTH) return { ok: false, reason: "length" };
  const body = candidate.slice(prefix.length);
  if (!BODY_PATTERN.test(body)) return { ok: false, reason: "charset" };
  const random = body.slice(0, RANDOM_LENGTH);
  const checksum = body.slice(RANDOM_LENGTH);
  if (checksumOf(random) !== checksum) return { ok: false, reason: "checksum" };
  return { ok: true };
}

export function hashTokenValue(value: string): string {
  // The one-shot hash: every API call hashes its token, and a Hash object costs ~2 µs more.
  return hash("sha256", value, "hex");
}

export function tokenLastFour(value: string): string {
  return value.slice(-4);
}

export function maskToken(lastFour: string): string {
  return `${TOKEN_PREFIX}…${lastFour}`;
}

/** Every well-formed token (valid checksum) in free text, in order of first appearance. */
export function findTokenCandidates(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(CANDIDATE_PATTERN)) {
    if (checkTokenFormat(match[0]).ok) found.add(match[0]);
  }
  return [...found];
}

function randomBase62(length: number): string {
  // 248 = 4 * 62: bytes at or above it are discarded so every character is equally likely.
  const limit = 256 - (256 % BASE62_ALPHABET.length);
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue;
      out += BASE62_ALPHABET[byte % BASE62_ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

function checksumOf(random: string): string {
  return toBase62(crc32(Buffer.from(random, "utf8"))).padStart(CHECKSUM_LENGTH, "0");
}

function toBase62(value: number): string {
  let n = value;
  let out = "";
  do {
    out = BASE62_ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out;
}

const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** Standard CRC-32 (IEEE), as used by zlib/PNG; exported for tests. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
