import type { RefusalReason } from "../usage/refusals";

// What POST /v1/verify (and the gateway) answers about a token for a service call. Pure: the API
// decides from the cached token, the service and the charge's answer, in this order — the
// service first (a disabled service refuses everything), then the token's own state, then what
// the call needs of it.

export const VERIFY_REFUSAL_CODES = [
  "service_disabled",
  "unknown",
  "revoked",
  "disabled",
  "expired",
  "replaced",
  "outside_networks",
  "missing_scope",
  "quota_exhausted",
] as const;
export type VerifyRefusalCode = (typeof VERIFY_REFUSAL_CODES)[number];

/** What each code tells the service's developer (the response's `message`). */
export const VERIFY_REFUSAL_MESSAGES: Record<VerifyRefusalCode, string> = {
  service_disabled: "This service is disabled in Keyward: every call to it is refused.",
  unknown: "No token of this organization has this value.",
  revoked: "The token was revoked.",
  disabled: "The token is disabled.",
  expired: "The token has expired.",
  replaced: "This value of the token was replaced by a rotation and its grace period has ended.",
  outside_networks: "The token may only be used from its allowed networks; pass the caller's address as `ip`.",
  missing_scope: "The token does not hold this scope of the service.",
  quota_exhausted: "The token's quota is spent until its window resets.",
};

/** The code for a token refusal the /v0/ API already counts (token-cache.ts unusableReason…). */
export const CODE_OF_REFUSAL: Record<RefusalReason, VerifyRefusalCode> = {
  revoked: "revoked",
  disabled: "disabled",
  expired: "expired",
  replaced: "replaced",
  network: "outside_networks",
  scope: "missing_scope",
  quota: "quota_exhausted",
};

/** How a refused verify is counted on the token (the dashboard's refused calls), or null when there is no token to count it on. */
export const REFUSAL_OF_CODE: Record<VerifyRefusalCode, RefusalReason | null> = {
  service_disabled: null,
  unknown: null,
  revoked: "revoked",
  disabled: "disabled",
  expired: "expired",
  replaced: "replaced",
  outside_networks: "network",
  missing_scope: "scope",
  quota_exhausted: "quota",
};

/** The usage route of a verified call: the route the service names, else its scope. */
export function verifyUsageRoute(slug: string, scope: string, route: string | undefined): string {
  return route ? `${slug} ${route}` : `${slug}/${scope}`;
}
