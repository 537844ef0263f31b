import { z } from "zod";

import { webhookCreateInput, webhookUpdateInput } from "../validations/webhook";

// Socket's org webhook shapes (the SDK's createOrgWebhook … deleteOrgWebhook). `secret` is
// always null in answers: Keyward stores it encrypted and never gives it back.

const queryInteger = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const webhookListQuery = z.object({
  sort: z.enum(["created_at", "updated_at", "name"]).default("created_at"),
  direction: z.enum(["asc", "desc"]).default("desc"),
  per_page: queryInteger(1, 100).default(30),
  // The CLI's "all pages" starts at page=0; it means the first page.
  page: queryInteger(0, 100_000)
    .default(1)
    .transform((page) => Math.max(1, page)),
});

export const webhookCreateBody = webhookCreateInput;
export const webhookUpdateBody = webhookUpdateInput;

export const webhookItem = z
  .object({
    id: z.string(),
    created_at: z.string().meta({ format: "date-time" }),
    updated_at: z.string().meta({ format: "date-time" }),
    name: z.string(),
    description: z.string().nullable(),
    url: z.string(),
    secret: z.null().describe("Never returned: Keyward stores webhook secrets encrypted"),
    events: z.array(z.string()),
    headers: z.record(z.string(), z.string()).nullable(),
    filters: z.object({ repositoryIds: z.array(z.string()).nullable() }).nullable(),
  })
  .meta({ id: "Webhook" });

export const webhookListResponse = z
  .object({ results: z.array(webhookItem), nextPage: z.number().int().nullable() })
  .meta({ id: "WebhookList" });

export const webhookDeleteResponse = z.object({ status: z.literal("ok") }).meta({ id: "WebhookDeleted" });
