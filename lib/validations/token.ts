import { z } from "zod";

import { parseServiceScopeRef } from "@/lib/domain/services/scopes";
import { MAX_ALLOWED_NETWORKS, parseNetworkList } from "@/lib/domain/tokens/networks";
import { parseScopeList, QUOTA_WINDOWS, SCOPES, type Scope } from "@/lib/tokens";

import { isStorableText } from "./text";

// Shared by the dashboard's server actions and the REST API. Inputs arrive as FormData strings
// or JSON values, so numbers and booleans accept both.

export const TOKEN_NAME_MAX_LENGTH = 100;
/** Fits a 32-bit integer column on PostgreSQL with room to spare. */
export const QUOTA_MAX_LIMIT = 1_000_000_000;
export const MAX_GRACE_HOURS = 7 * 24;
/** Far enough for any real expiry; stops typos like year 20250. */
const MAX_EXPIRY_YEARS = 10;

const PARENT_OF = new Map<Scope, Scope | null>(SCOPES.map((scope) => [scope.name, scope.parent]));

/** Canonical order, and a child is dropped when its parent is present (the parent already grants it). */
export function normalizeScopes(scopes: readonly Scope[]): Scope[] {
  const present = new Set(scopes);
  return scopes.filter((scope) => {
    const parent = PARENT_OF.get(scope);
    return !parent || !present.has(parent);
  });
}

/** Empty form fields mean "not given", so a required number reports "required" rather than becoming 0. */
const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const wholeNumber = (what: string) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `Enter ${what}.` })
      .refine(Number.isFinite, `Enter ${what}.`)
      .pipe(z.number().int("Use a whole number.")),
  );

const formBoolean = z.preprocess(
  (value) => {
    if (value === undefined || value === null || value === "") return false;
    if (value === "on" || value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    return value;
  },
  z.boolean({ error: "Expected yes or no." }),
);

export const tokenNameSchema = z
  .string({ error: "Enter a name." })
  .trim()
  .min(1, "Enter a name.")
  .max(TOKEN_NAME_MAX_LENGTH, `Use at most ${TOKEN_NAME_MAX_LENGTH} characters.`)
  // \p{Cs}: a lone surrogate (from a JSON escape) is not text any database keeps as typed.
  .regex(/^[^\p{Cc}\p{Cs}]*$/u, "Remove line breaks and control characters.");

/**
 * A list of scope names (array, or one string separated by spaces or commas); unknown names are
 * refused by name. Absent means "not given" (an edit leaves scopes as they are); forms always
 * send an empty `scopes` entry so that unchecking every box means "no scopes".
 */
export const scopeListSchema = z
  .union([z.string(), z.array(z.string())], { error: "Choose scopes from the list." })
  .transform((value, ctx): Scope[] => {
    const parsed = parseScopeList(value);
    if (!parsed.ok) {
      const shown = parsed.unknown
        .slice(0, 5)
        .map((name) => `"${name.slice(0, 40)}"`)
        .join(", ");
      ctx.addIssue({ code: "custom", message: `Unknown scope${parsed.unknown.length === 1 ? "" : "s"}: ${shown}.` });
      return z.NEVER;
    }
    return normalizeScopes(parsed.scopes);
  })
  .optional();

const MAX_SERVICE_SCOPES_PER_TOKEN = 500;

/**
 * Scopes of the org's services, "<service slug>/<scope>" (array, or one string separated by
 * spaces or commas). Only the notation is checked here; that the services and scopes exist is
 * checked with the org's services when the token is written (lib/db/token-mutations.ts).
 */
export const serviceScopeListSchema = z
  .union([z.string(), z.array(z.string())], { error: "Choose service scopes from the list." })
  .transform((value, ctx): string[] => {
    const parts = (typeof value === "string" ? value.split(/[\s,]+/) : value.map((part) => part.trim())).filter((part) => part !== "");
    const refs = [...new Set(parts)];
    const malformed = refs.filter((ref) => parseServiceScopeRef(ref) === null);
    if (malformed.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `Unknown service scope: ${malformed
          .slice(0, 5)
          .map((ref) => `"${ref.slice(0, 60)}"`)
          .join(", ")}.`,
      });
      return z.NEVER;
    }
    if (refs.length > MAX_SERVICE_SCOPES_PER_TOKEN) {
      ctx.addIssue({ code: "custom", message: `Choose at most ${MAX_SERVICE_SCOPES_PER_TOKEN} service scopes.` });
      return z.NEVER;
    }
    return refs.sort();
  })
  .optional();

export const visibilitySchema = z.enum(["ADMIN_ONLY", "ORGANIZATION"], { error: "Choose Admin only or Organization members." });

/** At least 1: a token with a quota of 0 can make no call, which is never what its creator meant (disable it instead). */
export const quotaMaxSchema = wholeNumber("the maximum number of requests per window").pipe(
  z
    .number()
    .min(0, "The quota cannot be negative.")
    .refine((quota) => quota !== 0, "The quota is at least 1 request per window. To stop a token, disable it.")
    .max(QUOTA_MAX_LIMIT, `The quota is at most ${QUOTA_MAX_LIMIT.toLocaleString("en")}.`),
);

export const quotaWindowSchema = z.enum(QUOTA_WINDOWS, { error: "Choose hourly, daily or monthly." });

/**
 * Expiry: empty means never (null); absent means "not given" (undefined: an edit leaves it as
 * it is). A bare date (from a date picker) means the end of that day in UTC; a full timestamp is
 * taken as given. Must be in the future.
 */
export const expiresAtSchema = z
  .union([z.string(), z.date(), z.null()], { error: "Enter a date." })
  .transform((value, ctx): Date | null => {
    if (value === null || (typeof value === "string" && value.trim() === "")) return null;
    const date = typeof value === "string" ? parseExpiry(value.trim()) : value;
    if (!date || Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: "custom", message: "Enter a date such as 2030-01-31." });
      return z.NEVER;
    }
    const now = Date.now();
    if (date.getTime() <= now) {
      ctx.addIssue({ code: "custom", message: "The expiry must be in the future." });
      return z.NEVER;
    }
    if (date.getTime() > now + MAX_EXPIRY_YEARS * 366 * 24 * 3600_000) {
      ctx.addIssue({ code: "custom", message: `The expiry is at most ${MAX_EXPIRY_YEARS} years away.` });
      return z.NEVER;
    }
    return date;
  })
  .optional();

function parseExpiry(value: string): Date | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const date = new Date(`${value}T23:59:59.999Z`);
    // Rejects dates that do not exist (2030-02-31 would roll over).
    return date.toISOString().startsWith(value) ? date : null;
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) return new Date(value);
  return null;
}

/**
 * Allowed networks: CIDR ranges (a list, or one string separated by spaces, commas or new lines);
 * empty means any address. Malformed ranges are refused by name; stored canonical.
 */
export const allowedNetworksSchema = z
  .union([z.string().max(10_000), z.array(z.string().max(100)).max(MAX_ALLOWED_NETWORKS * 2)], {
    error: "Enter CIDR ranges such as 203.0.113.0/24.",
  })
  .transform((value, ctx): string[] => {
    const parsed = parseNetworkList(value);
    if (parsed.ok) return parsed.networks;
    if ("tooMany" in parsed) {
      ctx.addIssue({ code: "custom", message: `Use at most ${MAX_ALLOWED_NETWORKS} ranges (${parsed.tooMany} given).` });
    } else {
      const shown = parsed.invalid
        .slice(0, 3)
        .map((range) => `"${range.slice(0, 50)}"`)
        .join(", ");
      ctx.addIssue({ code: "custom", message: `Not a CIDR range: ${shown}. Use ranges such as 203.0.113.0/24 or 2001:db8::/32.` });
    }
    return z.NEVER;
  })
  .optional();

/** The token entity: every field a caller may send about a token. Variants pick from it. */
export const tokenSchema = z.object({
  tokenId: z.uuid("Unknown token."),
  name: tokenNameSchema,
  scopes: scopeListSchema,
  serviceScopes: serviceScopeListSchema,
  visibility: visibilitySchema,
  quotaMax: quotaMaxSchema,
  quotaWindow: quotaWindowSchema,
  expiresAt: expiresAtSchema,
  allowedNetworks: allowedNetworksSchema,
  /** The version the form was opened with: a change made meanwhile by someone else is a conflict, not overwritten. */
  expectedVersion: wholeNumber("the token version").pipe(z.number().min(1)).optional(),
  /** Hours the replaced value keeps working after a rotation (0 = stops at once). */
  graceHours: wholeNumber("a grace period in hours")
    .pipe(z.number().min(0, "The grace period cannot be negative.").max(MAX_GRACE_HOURS, "The grace period is at most 7 days (168 hours)."))
    .default(0),
  makeAdminOnly: formBoolean.default(false),
});

export const AT_LEAST_ONE_SCOPE = "Choose at least one scope.";

/**
 * The dashboard's forms: a person forgetting every checkbox makes a token that can do nothing, so
 * they require a scope, Keyward's or a service's. (The REST API keeps Socket's contract — `scopes`
 * may be empty there: a scope-less token can still read /v0/quota and /v0/organizations.)
 */
function requireAScope(value: { scopes?: readonly string[]; serviceScopes?: readonly string[] }, ctx: z.RefinementCtx): void {
  if (value.scopes !== undefined && value.scopes.length === 0 && (value.serviceScopes?.length ?? 0) === 0) {
    ctx.addIssue({ code: "custom", path: ["scopes"], message: AT_LEAST_ONE_SCOPE });
  }
}

export const createTokenSchema = tokenSchema
  .pick({ name: true, visibility: true, quotaMax: true, quotaWindow: true })
  .extend({
    scopes: scopeListSchema.transform((value) => value ?? []),
    serviceScopes: serviceScopeListSchema.transform((value) => value ?? []),
    expiresAt: expiresAtSchema.transform((value) => value ?? null),
    allowedNetworks: allowedNetworksSchema.transform((value) => value ?? []),
    /** The admin saw the "a token with this name exists" warning and creates it anyway. */
    createAnyway: formBoolean.default(false),
  })
  .superRefine(requireAScope);

export const updateTokenSchema = tokenSchema
  .pick({
    tokenId: true,
    name: true,
    visibility: true,
    quotaMax: true,
    quotaWindow: true,
    expiresAt: true,
    allowedNetworks: true,
    expectedVersion: true,
    scopes: true,
    serviceScopes: true,
  })
  .extend({
    /** The admin saw the "a token with this name exists" warning and renames it anyway. */
    saveAnyway: formBoolean.default(false),
  })
  .superRefine(requireAScope);

export const rotateTokenSchema = tokenSchema.pick({ tokenId: true, graceHours: true, makeAdminOnly: true, expectedVersion: true });

export const tokenTargetSchema = tokenSchema.pick({ tokenId: true });

export type CreateTokenInput = z.infer<typeof createTokenSchema>;
export type UpdateTokenInput = z.infer<typeof updateTokenSchema>;

// URL state of the tokens table. Bad or stale values fall back to defaults instead of failing the page.
export const TOKEN_SORTS = ["name", "status", "quota", "lastUsed", "created", "expires"] as const;
export const TOKEN_STATUS_FILTERS = ["active", "disabled", "expired", "revoked"] as const;
export const TOKEN_VISIBILITY_FILTERS = ["admin_only", "organization"] as const;
export const PAGE_SIZES = [10, 25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 25;

export type TokenSort = (typeof TOKEN_SORTS)[number];
export type TokenStatusFilter = (typeof TOKEN_STATUS_FILTERS)[number];

export const pageSchema = z.coerce.number().int().min(1).max(1_000_000).catch(1);
export const pageSizeSchema = z.coerce
  .number()
  .refine((n): n is (typeof PAGE_SIZES)[number] => (PAGE_SIZES as readonly number[]).includes(n))
  .catch(DEFAULT_PAGE_SIZE);

export const tokenListParamsSchema = z.object({
  q: z.string().trim().max(200).refine(isStorableText).catch(""),
  status: z.enum(TOKEN_STATUS_FILTERS).optional().catch(undefined),
  visibility: z.enum(TOKEN_VISIBILITY_FILTERS).optional().catch(undefined),
  scope: z
    .enum(SCOPES.map((s) => s.name) as [Scope, ...Scope[]])
    .optional()
    .catch(undefined),
  sort: z.enum(TOKEN_SORTS).catch("created"),
  dir: z.enum(["asc", "desc"]).catch("desc"),
  page: pageSchema,
  size: pageSizeSchema,
});

export type TokenListParams = z.infer<typeof tokenListParamsSchema>;

/** Next's searchParams give a string, an array for repeated keys, or nothing; the first value wins. */
export function firstValues(params: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
}
