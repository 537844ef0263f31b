// What a secret scanner's report of a service's verification key (kws_…) does, and when a
// service's key counts as reported leaked. The same policy as a token's report (the org's
// leakedTokenPolicy, lib/api/leaked-tokens.ts): DISABLE makes the reported credential stop
// working and issues nothing new, FLAG only marks it. For a key, "stop working" is revoking the
// key, not disabling the service: the gateway and tokens of the service were not leaked, so its
// callers keep working; only the service's own calls to POST /v1/verify are refused until an
// admin rotates the key (which shows a new one and clears the report).

export type LeakedCredentialPolicy = "DISABLE" | "FLAG";

export type ServiceKeyLeakResponse = "key-revoked" | "flagged";

export function serviceKeyLeakResponse(policy: LeakedCredentialPolicy): ServiceKeyLeakResponse {
  return policy === "DISABLE" ? "key-revoked" : "flagged";
}

/** Reported and not yet rotated (rotating clears the report): the admins' banner counts these, the Services page marks them. */
export const keyReportedLeakedWhere = { keyLeakReportedAt: { not: null } } as const;
