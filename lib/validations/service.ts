import { z } from "zod";

import { pathPatternProblem, ROUTE_METHODS } from "@/lib/domain/services/routes";
import { MAX_SERVICE_SCOPES, SERVICE_SCOPE_PATTERN, SERVICE_SLUG_PATTERN } from "@/lib/domain/services/scopes";
import { isIP } from "@/lib/domain/tokens/networks";

import { isStorableText } from "./text";

// Inputs about services: POST /v1/verify's body, and the dashboard's service form.

export const MAX_VERIFY_COST = 1_000_000;
export const VERIFY_BODY_MAX_BYTES = 4 * 1024;
export const SERVICE_NAME_MAX_LENGTH = 100;
export const MAX_SERVICE_ROUTES = 200;
const MAX_ROUTE_COST = 1_000_000;

const scopeName = z
  .string({ error: "Send the scope as a string." })
  .regex(SERVICE_SCOPE_PATTERN, 'Use the service\'s own scope name, e.g. "invoices:read" (lowercase words joined by ":").');

/** POST /v1/verify. `token` is any string: one that is not a Keyward token is answered `unknown`, not 400. */
export const verifyRequestSchema = z.strictObject({
  token: z.string({ error: "Send the token to verify as a string." }).max(200, "That is not a Keyward token (too long)."),
  scope: scopeName,
  cost: z.number({ error: "Send cost as a number." }).int("Use a whole number.").min(0).max(MAX_VERIFY_COST).default(1),
  /** How the service names the call in the token's usage ("GET /invoices/:id"); the scope when absent. */
  route: z.string().min(1).max(200).refine(isStorableText, "Use plain text.").optional(),
  /** The address the token's holder called from: required for tokens limited to networks. */
  ip: z
    .string()
    .refine((value) => isIP(value) !== 0, "Send an IPv4 or IPv6 address.")
    .optional(),
});
export type VerifyRequest = z.infer<typeof verifyRequestSchema>;

export const serviceSlugSchema = z
  .string()
  .trim()
  .regex(SERVICE_SLUG_PATTERN, "Use 1-40 lowercase letters, digits and dashes, starting and ending with a letter or digit.");

export const upstreamUrlSchema = z
  .string()
  .trim()
  .max(2000, "Use at most 2,000 characters.")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "" && url.hash === "";
    } catch {
      return false;
    }
  }, "Enter an http:// or https:// URL without credentials or #fragment.");

export const serviceScopeInputSchema = z.object({
  name: scopeName,
  description: z.string().trim().max(200).refine(isStorableText, "Use plain text.").default(""),
});

export const serviceRouteInputSchema = z.object({
  method: z.enum(ROUTE_METHODS, { error: `Choose one of ${ROUTE_METHODS.join(", ")}.` }),
  pathPattern: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const problem = pathPatternProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  scope: scopeName,
  cost: z.coerce.number().int("Use a whole number.").min(0).max(MAX_ROUTE_COST),
});
export type ServiceRouteInput = z.infer<typeof serviceRouteInputSchema>;

/**
 * The form's scopes and routes arrive as text, one per line ("invoices:read Read invoices";
 * "GET /invoices/:id invoices:read 1"), or as lists of objects. Blank lines are skipped.
 */
const lines = (value: unknown): unknown =>
  typeof value === "string"
    ? value
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "")
    : value;

const scopeLines = z.preprocess(
  (value) => {
    const list = lines(value);
    if (!Array.isArray(list)) return list;
    return list.map((entry) => {
      if (typeof entry !== "string") return entry;
      const [name, ...description] = entry.split(/\s+/);
      return { name, description: description.join(" ") };
    });
  },
  z
    .array(serviceScopeInputSchema, { error: "Send the scopes as a list." })
    .max(MAX_SERVICE_SCOPES, `Use at most ${MAX_SERVICE_SCOPES} scopes.`),
);

const routeLines = z.preprocess(
  (value) => {
    const list = lines(value);
    if (!Array.isArray(list)) return list;
    return list.map((entry) => {
      if (typeof entry !== "string") return entry;
      const [method, pathPattern, scope, cost, ...rest] = entry.split(/\s+/);
      // A line with more words than a route has is refused by the strict object below.
      return {
        method: method?.toUpperCase(),
        pathPattern,
        scope,
        cost: cost ?? "1",
        ...(rest.length > 0 ? { extra: rest.join(" ") } : {}),
      };
    });
  },
  z
    .array(serviceRouteInputSchema.strict(), { error: "Send the routes as a list." })
    .max(MAX_SERVICE_ROUTES, `Use at most ${MAX_SERVICE_ROUTES} routes.`),
);

const serviceFields = {
  name: z.string().trim().min(1, "Enter a name.").max(SERVICE_NAME_MAX_LENGTH).refine(isStorableText, "Use plain text."),
  upstreamUrl: upstreamUrlSchema,
  scopes: scopeLines,
  routes: routeLines,
  defaultScope: z.preprocess((value) => (value === "" ? null : value), scopeName.nullable().default(null)),
  defaultCost: z.coerce.number().int("Use a whole number.").min(0).max(MAX_ROUTE_COST).default(1),
};

export const createServiceSchema = z.object({ slug: serviceSlugSchema, ...serviceFields });
export type CreateServiceInput = z.infer<typeof createServiceSchema>;

/** The slug is fixed at creation: tokens name the service's scopes by it. */
export const updateServiceSchema = z.object({
  serviceId: z.string().min(1).max(100),
  ...serviceFields,
  /** The version the form was filled from: a save over someone else's newer change is refused, not merged. */
  expectedVersion: z.coerce.number().int().min(1).optional(),
});
export type UpdateServiceInput = z.infer<typeof updateServiceSchema>;

export const serviceIdSchema = z.object({ serviceId: z.string().min(1).max(100) });
