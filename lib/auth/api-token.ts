import { checkTokenFormat, findTokenCandidates } from "../tokens/format";

// How a REST API caller presents its token. Everything here is decided from the request line
// and headers alone, so junk, typos and oversized headers are refused without a database hit.

/** Longer Authorization headers are refused outright (a token header is ~50 bytes). */
export const MAX_AUTHORIZATION_HEADER_BYTES = 1024;

export type TokenRefusal = "missing" | "too-long" | "malformed" | "bad-token" | "in-query";
export type PresentedToken = { ok: true; token: string } | { ok: false; reason: TokenRefusal };

export const TOKEN_REFUSAL_MESSAGES: Record<TokenRefusal, string> = {
  missing: "Authentication required: send your API token as the Basic auth user name or as a Bearer token.",
  "too-long": "The Authorization header is too long.",
  malformed: 'The Authorization header is malformed: use Basic base64("<token>:") or Bearer <token>.',
  "bad-token": "Invalid API token.",
  "in-query": "Tokens in the URL are refused (URLs end up in logs): send the token in the Authorization header.",
};

/**
 * The token from `Authorization: Basic base64("<token>:")` (what the Socket clients send: the
 * token as user name, empty password) or `Authorization: Bearer <token>`, checked for format and
 * checksum.
 */
export function tokenFromAuthorization(header: string | undefined): PresentedToken {
  if (header === undefined || header === "") return { ok: false, reason: "missing" };
  if (Buffer.byteLength(header, "utf8") > MAX_AUTHORIZATION_HEADER_BYTES) return { ok: false, reason: "too-long" };
  const space = header.indexOf(" ");
  if (space === -1) return { ok: false, reason: "malformed" };
  const scheme = header.slice(0, space).toLowerCase();
  const credentials = header.slice(space + 1).trim();
  let token: string;
  if (scheme === "bearer") {
    token = credentials;
  } else if (scheme === "basic") {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) return { ok: false, reason: "malformed" };
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    // The password must be empty: a token in the password field would be a different client convention we do not guess at.
    if (colon === -1 || colon !== decoded.length - 1) return { ok: false, reason: "malformed" };
    token = decoded.slice(0, colon);
  } else {
    return { ok: false, reason: "malformed" };
  }
  if (!checkTokenFormat(token).ok) return { ok: false, reason: "bad-token" };
  return { ok: true, token };
}

const TOKEN_QUERY_KEYS = new Set(["token", "api_token", "apitoken", "access_token", "api_key", "apikey", "key", "auth", "authorization"]);

/** True when the query string carries something that looks like a credential. */
export function queryCarriesToken(search: string): boolean {
  if (search === "") return false;
  for (const [key, value] of new URLSearchParams(search)) {
    if (TOKEN_QUERY_KEYS.has(key.toLowerCase())) return true;
    if (value.includes("kw_") && findTokenCandidates(value).length > 0) return true;
  }
  return false;
}
