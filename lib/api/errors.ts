import { z } from "zod";

import { secondsUntil } from "../domain/tokens/quota";
import type { RefusalReason } from "../domain/usage/refusals";

// Every refusal the REST API gives goes through here, so each status has one body shape, Socket's:
// { "error": { "message": "...", "details": an object or null } }. Input Keyward refuses is 400,
// whether malformed or out of range, as Socket answers (its clients know no 422).

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
    /** Set on refusals decided before an endpoint runs: counted under this reason, not logged as a usage row. */
    readonly countedAs: RefusalReason | null = null,
  ) {
    super(message);
  }
}

export const unauthorized = (message: string) => new ApiError(401, message);

export const missingScope = (scope: string) =>
  new ApiError(403, `This token lacks the scope this endpoint needs: ${scope}.`, { requiredScope: scope }, {}, "scope");

export const forbidden = (message: string, details: unknown = null) => new ApiError(403, message, details);

export const outsideAllowedNetworks = () =>
  new ApiError(
    403,
    "This token cannot be used from this address: it is outside the token's allowed networks.",
    { rule: "allowed-networks" },
    {},
    "network",
  );

export const notFound = (message = "Not found.") => new ApiError(404, message);

export const methodNotAllowed = (allowed: string[]) => new ApiError(405, "Method not allowed.", { allowed }, { Allow: allowed.join(", ") });

export const badRequest = (message: string, details: unknown = null) => new ApiError(400, message, details);

export const conflict = (message: string) => new ApiError(409, message);

export const payloadTooLarge = (limitBytes: number) =>
  new ApiError(413, `The request body is too large (at most ${limitBytes} bytes).`, { limitBytes }, { Connection: "close" });

export const unsupportedMediaType = (expected: string) => new ApiError(415, `Send the request body as ${expected}.`, { expected });

/** The input problems of a 400, one per field: `details` is always an object, as Socket's clients expect. */
export type FieldIssue = { field: string; message: string };
export const invalidFields = (message: string, issues: FieldIssue[]) => badRequest(message, { issues });

/**
 * A spent quota, as Socket answers it: 429 with Retry-After the whole seconds until the window
 * refills (at least 1), which the SDK and CLI wait for before retrying.
 */
export function quotaExceeded(quota: { remaining: number; max: number; resetAt: number }, now: number): ApiError {
  const retryAfter = Math.max(1, secondsUntil(new Date(quota.resetAt), new Date(now)));
  return new ApiError(
    429,
    "Quota exceeded for this token: wait for the next window.",
    { quota: quota.remaining, maxQuota: quota.max, nextWindowRefresh: new Date(quota.resetAt).toISOString() },
    { "Retry-After": String(retryAfter) },
  );
}

export const databaseBusy = () => new ApiError(503, "The database is busy; try again shortly.", null, { "Retry-After": "1" });

/** The database cannot take writes (disk full) or cannot be reached: nothing was done. */
export const databaseUnavailable = () =>
  new ApiError(503, "The database is unavailable; nothing was changed. Try again shortly.", null, { "Retry-After": "5" });

export const internalError = () => new ApiError(500, "Internal server error.");

/** Zod issues as details a client can act on: which field, what is wrong. */
export function fromZodError(error: z.ZodError, where: "query" | "body" | "path"): ApiError {
  const issues = error.issues
    .slice(0, 20)
    .map((issue) => ({ field: [where, ...issue.path.map(String)].join("."), message: issue.message }));
  return invalidFields(`Invalid ${where === "path" ? "path parameter" : where}.`, issues);
}

export function errorBody(error: ApiError) {
  return { error: { message: error.message, details: error.details ?? null } };
}

export const errorResponseSchema = z
  .object({ error: z.object({ message: z.string(), details: z.unknown().nullable() }) })
  .meta({ id: "Error" });
