import { z } from "zod";

import { OUTCOMES, type Outcome } from "@/lib/domain/usage/outcomes";

import { isStorableText } from "./text";
import { tokenSchema } from "./token";

// URL state of a token's request log (the page and its CSV export read the same parameters).
// Bad or stale values fall back to defaults instead of failing the page.

export const REQUEST_LOG_SORTS = ["time", "status", "route", "ip"] as const;
export type RequestLogSort = (typeof REQUEST_LOG_SORTS)[number];
export const REQUEST_LOG_PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_REQUEST_LOG_PAGE_SIZE = 50;
/** Pages reach this many matching rows at most; beyond it, narrow the filters (or export CSV). */
export const REQUEST_LOG_MAX_ROWS = 10_000;
/** One CSV export writes at most this many rows. */
export const REQUEST_LOG_CSV_MAX_ROWS = 1_000_000;

export type StatusFilter = { kind: "outcome"; outcome: Outcome } | { kind: "code"; code: number };

/** "2030-01-31T10:15", with optional seconds and zone; without a zone the time is UTC (the dashboard shows UTC). */
const dateTimeParam = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?$/)
  .transform((value, ctx) => {
    const withTime = value.length === 10 ? `${value}T00:00` : value;
    const date = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(withTime) ? withTime : `${withTime}Z`);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: "custom", message: "Not a date." });
      return z.NEVER;
    }
    return date;
  });

const statusParam = z.string().transform((value, ctx): StatusFilter => {
  if ((OUTCOMES as readonly string[]).includes(value)) return { kind: "outcome", outcome: value as Outcome };
  if (/^[1-5]\d\d$/.test(value)) return { kind: "code", code: Number(value) };
  ctx.addIssue({ code: "custom", message: "Unknown status." });
  return z.NEVER;
});

/** "GET /v0/report/view/{id}": a method and the API's path template, as the breakdowns name routes. */
const routeParam = z
  .string()
  .trim()
  .max(300)
  .regex(/^[A-Z]{3,7} (\/[^\s\0]*|\(unknown\))$/)
  .transform((value) => {
    const space = value.indexOf(" ");
    return { method: value.slice(0, space), route: value.slice(space + 1), key: value };
  });

export const requestLogParamsSchema = z.object({
  from: dateTimeParam.optional().catch(undefined),
  to: dateTimeParam.optional().catch(undefined),
  status: statusParam.optional().catch(undefined),
  route: routeParam.optional().catch(undefined),
  ip: z.string().trim().min(1).max(64).refine(isStorableText).optional().catch(undefined),
  sort: z.enum(REQUEST_LOG_SORTS).catch("time"),
  dir: z.enum(["asc", "desc"]).catch("desc"),
  page: z.coerce.number().int().min(1).max(REQUEST_LOG_MAX_ROWS).catch(1),
  size: z.coerce
    .number()
    .refine((n): n is (typeof REQUEST_LOG_PAGE_SIZES)[number] => (REQUEST_LOG_PAGE_SIZES as readonly number[]).includes(n))
    .catch(DEFAULT_REQUEST_LOG_PAGE_SIZE),
});

export type RequestLogParams = z.infer<typeof requestLogParamsSchema>;
export type RequestLogFilters = Pick<RequestLogParams, "from" | "to" | "status" | "route" | "ip">;

/** The admin's one click on "narrow unused scopes": the list shown, and the token version it was computed for. */
export const narrowScopesSchema = tokenSchema.pick({ tokenId: true }).extend({
  scopes: tokenSchema.shape.scopes.unwrap(),
  expectedVersion: tokenSchema.shape.expectedVersion.unwrap(),
});
