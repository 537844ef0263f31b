// A token's state as a person sees it: plain TypeScript, shared by the dashboard, the queries and the API.

export type TokenStatus = "ACTIVE" | "DISABLED" | "REVOKED";

/** What a person sees as the state: an active token past its expiry no longer works. */
export type TokenDisplayStatus = TokenStatus | "EXPIRED";

export function displayStatus(token: { status: TokenStatus; expiresAt: Date | null }, now = new Date()): TokenDisplayStatus {
  if (token.status === "ACTIVE" && token.expiresAt && token.expiresAt <= now) return "EXPIRED";
  return token.status;
}
