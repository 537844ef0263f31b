import { isIP } from "node:net";
import { z } from "zod";

import { SCOPE_NAMES, type Scope } from "../tokens/scopes";

// Incident response inputs: the bulk-operation filter (from the URL of the preview and from the
// confirm form alike), the bulk operation itself, org settings, lookups and leak reports.
// Relative imports: lib/api (outside Next.js) uses the leak-report schema.

export const INCIDENT_ACTIONS = ["ROTATE", "DISABLE", "MAKE_ADMIN_ONLY", "REVOKE"] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

/** Tokens one bulk operation may touch: an org's whole inventory at the sizes we plan for. */
export const MAX_INCIDENT_TOKENS = 10_000;
export const MAX_GRACE_HOURS = 7 * 24;
export const MAX_LIFETIME_DAYS = 3650;
/** What a secret scanner may send in one report. */
export const MAX_LEAK_CANDIDATES = 1000;
/** Pasted text for "Which token is this?". */
export const MAX_LOOKUP_TEXT = 20_000;

const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** A YYYY-MM-DD date (a date picker's value) as the start of that day in UTC. */
const dayStart = (what: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string({ error: `Enter ${what} such as 2030-01-31.` })
      .trim()
      .regex(/^\d{4}-\d{2}-\d{2}$/, `Enter ${what} such as 2030-01-31.`)
      .transform((value, ctx) => {
        const date = new Date(`${value}T00:00:00.000Z`);
        if (Number.isNaN(date.getTime()) || !date.toISOString().startsWith(value)) {
          ctx.addIssue({ code: "custom", message: `Enter ${what} such as 2030-01-31.` });
          return z.NEVER;
        }
        return date;
      })
      .optional(),
  );

export type AddressRange = { address: string; prefix: number; family: "ipv4" | "ipv6" };

/** "203.0.113.7", "203.0.113.0/24" or "2001:db8::/32"; a bare address is a range of one. */
export function parseAddressRange(input: string): AddressRange | null {
  const [address, prefixText, extra] = input.trim().split("/");
  if (extra !== undefined || !address) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const family = version === 4 ? "ipv4" : "ipv6";
  const bits = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: bits, family };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix <= bits ? { address, prefix, family } : null;
}

const tokenIdListSchema = z.preprocess(
  (value) => (value === undefined || value === "" ? [] : typeof value === "string" ? value.split(/[\s,]+/).filter(Boolean) : value),
  z
    .array(z.uuid("Unknown token in the selection."), { error: "Choose tokens from the list." })
    .max(MAX_INCIDENT_TOKENS, `Select at most ${MAX_INCIDENT_TOKENS.toLocaleString("en")} tokens.`)
    .transform((ids) => [...new Set(ids)]),
);

/** Which tokens a bulk operation covers; every criterion given must hold. Revoked tokens never match. */
export const incidentFilterSchema = z.object({
  visibility: z.preprocess(emptyToUndefined, z.enum(["ADMIN_ONLY", "ORGANIZATION"], { error: "Choose a visibility." }).optional()),
  scope: z.preprocess(
    emptyToUndefined,
    z.enum(SCOPE_NAMES as unknown as [Scope, ...Scope[]], { error: "Choose a scope from the list." }).optional(),
  ),
  status: z.preprocess(emptyToUndefined, z.enum(["ACTIVE", "DISABLED"], { error: "Choose active or disabled." }).optional()),
  createdBy: z.preprocess(emptyToUndefined, z.uuid("Choose a member from the list.").optional()),
  createdBefore: dayStart("a date"),
  usedFrom: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .max(64, "Enter an IP address or a range such as 203.0.113.0/24.")
      .refine((value) => parseAddressRange(value) !== null, "Enter an IP address or a range such as 203.0.113.0/24.")
      .optional(),
  ),
  notUsedSince: dayStart("a date"),
  /** An explicit selection: only these tokens (still subject to the other criteria). */
  tokenIds: tokenIdListSchema,
});

export type IncidentFilter = z.infer<typeof incidentFilterSchema>;

export const graceHoursSchema = z.preprocess(
  emptyToUndefined,
  z.coerce
    .number({ error: "Enter a grace period in hours." })
    .int("Use a whole number of hours.")
    .min(0, "The grace period cannot be negative.")
    .max(MAX_GRACE_HOURS, "The grace period is at most 7 days (168 hours).")
    .default(0),
);

/** The bulk operation as confirmed: the filter, what to do, the count the admin saw, and the org slug typed out. */
export const createIncidentSchema = incidentFilterSchema.extend({
  action: z.enum(INCIDENT_ACTIONS, { error: "Choose what to do with the tokens." }),
  graceHours: graceHoursSchema,
  /** How many tokens the preview showed: if the selection changed since, the admin confirms again. */
  expectedCount: z.coerce.number({ error: "Preview the selection first." }).int().min(1, "Nothing to apply to.").max(MAX_INCIDENT_TOKENS),
  confirmSlug: z
    .string({ error: "Type the organization's slug to confirm." })
    .trim()
    .min(1, "Type the organization's slug to confirm.")
    .max(64),
});

export const incidentTargetSchema = z.object({ incidentId: z.uuid("Unknown incident.") });

export const tokenTargetSchema = z.object({ tokenId: z.uuid("Unknown token.") });

export const quickRotateSchema = tokenTargetSchema.extend({ graceHours: graceHoursSchema });

export const incidentSettingsSchema = z.object({
  leakedTokenPolicy: z.enum(["DISABLE", "FLAG"], { error: "Choose what a leak report does." }),
  /** Empty: no limit. */
  maxTokenLifetimeDays: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "Enter a number of days, or leave it empty for no limit." })
      .int("Use a whole number of days.")
      .min(1, "The longest lifetime is at least 1 day.")
      .max(MAX_LIFETIME_DAYS, `The longest lifetime is at most ${MAX_LIFETIME_DAYS} days.`)
      .nullable()
      .default(null),
  ),
});

export const lookupSchema = z.object({
  text: z
    .string({ error: "Paste the text that contains the token." })
    .max(MAX_LOOKUP_TEXT, `Paste at most ${MAX_LOOKUP_TEXT.toLocaleString("en")} characters.`)
    .refine((value) => value.trim() !== "", "Paste the text that contains the token."),
});

// Leak reports (POST /v0/leaked-tokens), in the shapes secret scanners send: GitHub secret
// scanning's partner format (an array of {token, type, url, source}), or {tokens: [...]}.
const candidateString = z.string().max(1024, "A candidate is at most 1024 characters.");
const reportText = z.string().max(2048).optional();

const scannerMatchSchema = z.object({
  token: candidateString,
  type: reportText,
  url: reportText,
  source: reportText,
});

export type LeakCandidate = z.infer<typeof scannerMatchSchema>;

export const leakReportSchema = z
  .union([
    z.array(scannerMatchSchema).max(MAX_LEAK_CANDIDATES, `Send at most ${MAX_LEAK_CANDIDATES} candidates per request.`),
    z.object({
      tokens: z.array(candidateString).max(MAX_LEAK_CANDIDATES, `Send at most ${MAX_LEAK_CANDIDATES} candidates per request.`),
      url: reportText,
      source: reportText,
    }),
  ])
  .transform((report): LeakCandidate[] =>
    Array.isArray(report) ? report : report.tokens.map((token) => ({ token, url: report.url, source: report.source })),
  );
