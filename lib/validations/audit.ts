import { z } from "zod";

import { isStorableText } from "./text";
import { pageSchema, pageSizeSchema } from "./token";

// URL state of the audit log (and its export). Bad or stale values fall back to "no filter"
// instead of failing the page.

/** A calendar day (UTC), as a date input sends it; impossible dates fall back to "no bound". */
const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((value) => new Date(`${value}T00:00:00.000Z`).toISOString().startsWith(value))
  .optional()
  .catch(undefined);

export const auditFilterSchema = z.object({
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,63}$/)
    .optional()
    .catch(undefined),
  /** "user:<id>" or "token:<id>". */
  actor: z
    .string()
    .regex(/^(user|token):[0-9a-f-]{36}$/)
    .optional()
    .catch(undefined),
  token: z.uuid().optional().catch(undefined),
  /** Free text: actor, target token name, emails and other details. */
  q: z.string().trim().max(200).refine(isStorableText).optional().catch(undefined),
  /** From the start of this day (UTC), inclusive. */
  from: daySchema,
  /** To the end of this day (UTC), inclusive. */
  to: daySchema,
});

export const auditListParamsSchema = auditFilterSchema.extend({ page: pageSchema, size: pageSizeSchema });

export const AUDIT_EXPORT_FORMATS = ["csv", "json"] as const;
export const auditExportParamsSchema = auditFilterSchema.extend({ format: z.enum(AUDIT_EXPORT_FORMATS).catch("csv") });

export type AuditFilter = z.infer<typeof auditFilterSchema>;
export type AuditListParams = z.infer<typeof auditListParamsSchema>;
