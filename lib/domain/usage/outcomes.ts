// How a request ended, in the classes the usage charts, rollups and request-log filter share.
// Pure: imported by the REST API's usage writer (outside Next.js) and by the dashboard.

export const OUTCOMES = ["success", "clientErrors", "authErrors", "rateLimited", "serverErrors"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  success: "Success (2xx/3xx)",
  clientErrors: "Other 4xx",
  authErrors: "Unauthorized/forbidden (401/403)",
  rateLimited: "Quota exceeded (429)",
  serverErrors: "Server error (5xx)",
};

const AUTH_STATUSES: readonly number[] = [401, 403];
const RATE_LIMITED_STATUS = 429;

export function outcomeOf(status: number): Outcome {
  if (status < 400) return "success";
  if (AUTH_STATUSES.includes(status)) return "authErrors";
  if (status === RATE_LIMITED_STATUS) return "rateLimited";
  if (status < 500) return "clientErrors";
  return "serverErrors";
}

/** A refused call (401/403) did not use the scope of the route it asked for. */
export function isDenied(status: number): boolean {
  return AUTH_STATUSES.includes(status);
}

/** The same classes as SQL conditions on a `"status"` column, for rollups rebuilt in the database. */
export const OUTCOME_SQL: Record<Outcome, string> = {
  success: `"status" < 400`,
  clientErrors: `"status" >= 400 AND "status" < 500 AND "status" NOT IN (401, 403, 429)`,
  authErrors: `"status" IN (401, 403)`,
  rateLimited: `"status" = 429`,
  serverErrors: `"status" >= 500`,
};

/** Which statuses belong to a class: used by the request-log filter. */
export function statusInOutcome(status: number, outcome: Outcome): boolean {
  return outcomeOf(status) === outcome;
}

export type OutcomeCounts = Record<Outcome, number> & { requests: number };

export function emptyOutcomeCounts(): OutcomeCounts {
  return { requests: 0, success: 0, clientErrors: 0, authErrors: 0, rateLimited: 0, serverErrors: 0 };
}
