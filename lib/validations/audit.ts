import { z } from "zod";
import { pageSchema, pageSizeSchema } from "./token";

// URL state of the audit log. Bad or stale values fall back to "no filter" instead of failing the page.
export const auditListParamsSchema = z.object({
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
  page: pageSchema,
  size: pageSizeSchema,
});

export type AuditListParams = z.infer<typeof auditListParamsSchema>;
