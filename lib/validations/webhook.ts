import { z } from "zod";

import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../domain/webhooks/events";
import { allowPrivateFromEnv, checkWebhookUrl } from "../domain/webhooks/url";
import { isStorableText } from "./text";

// A webhook's fields, shared by the REST API (Socket's body: name, url, secret, events, headers,
// filters, description) and the dashboard's forms.

export const WEBHOOK_NAME_MAX_LENGTH = 200;
export const WEBHOOK_DESCRIPTION_MAX_LENGTH = 1000;
export const WEBHOOK_SECRET_MIN_LENGTH = 16;
export const WEBHOOK_SECRET_MAX_LENGTH = 256;
export const MAX_WEBHOOK_HEADERS = 20;
const HEADER_VALUE_MAX_LENGTH = 1000;
const MAX_FILTER_REPOSITORIES = 1000;

// Headers Keyward sets itself (the signature must not be forgeable by a configured header) and
// ones that would break or redirect the request.
const RESERVED_HEADER =
  /^(x-keyward-.*|host|content-type|content-length|transfer-encoding|connection|keep-alive|upgrade|te|trailer|expect|proxy-.*)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

const storable = (schema: z.ZodString) => schema.refine(isStorableText, "must not contain NUL or unpaired surrogates");

export const webhookName = storable(z.string().trim().min(1, "is required").max(WEBHOOK_NAME_MAX_LENGTH));

export const webhookDescription = storable(z.string().trim().max(WEBHOOK_DESCRIPTION_MAX_LENGTH))
  .nullable()
  .transform((value) => (value === "" ? null : value));

/** Refused for private/loopback/link-local hosts unless KEYWARD_WEBHOOK_ALLOW_PRIVATE=1 (lib/domain/webhooks/url.ts). */
export const webhookUrl = z
  .string()
  .trim()
  .transform((value, context) => {
    const checked = checkWebhookUrl(value, { allowPrivate: typeof process !== "undefined" && allowPrivateFromEnv(process.env) });
    if (!checked.ok) {
      context.addIssue({ code: "custom", message: checked.reason });
      return z.NEVER;
    }
    return checked.url;
  });

export const webhookSecret = storable(
  z.string().min(WEBHOOK_SECRET_MIN_LENGTH, `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters`).max(WEBHOOK_SECRET_MAX_LENGTH),
);

export const webhookEvents = z
  .array(z.string())
  .min(1, "choose at least one event")
  .superRefine((events, context) => {
    const unknown = events.filter((event) => !isWebhookEventType(event));
    if (unknown.length > 0) {
      context.addIssue({ code: "custom", message: `unknown event(s): ${unknown.join(", ")}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}` });
    }
  })
  .transform((events) => [...new Set(events)] as WebhookEventType[]);

const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export const webhookHeaders = z
  .record(z.string(), z.string().max(HEADER_VALUE_MAX_LENGTH))
  .nullable()
  .superRefine((headers, context) => {
    if (!headers) return;
    const names = Object.keys(headers);
    if (names.length > MAX_WEBHOOK_HEADERS) context.addIssue({ code: "custom", message: `at most ${MAX_WEBHOOK_HEADERS} headers` });
    for (const name of names) {
      if (!HEADER_NAME.test(name)) context.addIssue({ code: "custom", message: `"${name.slice(0, 100)}" is not a valid header name` });
      else if (RESERVED_HEADER.test(name))
        context.addIssue({ code: "custom", message: `"${name}" is set by Keyward and cannot be configured` });
    }
    for (const value of Object.values(headers)) {
      if (/[\r\n\0]/.test(value) || !isStorableText(value))
        context.addIssue({ code: "custom", message: "header values must be one line of text" });
      // What an HTTP header can carry, and so what Node will send (else every delivery would fail):
      // tab, printable ASCII and Latin-1's upper half; no emoji, no other scripts.
      else if (!HEADER_VALUE.test(value))
        context.addIssue({ code: "custom", message: "header values can hold only Latin-1 text (no emoji or other scripts)" });
    }
  });

export const webhookFilters = z
  .object({
    repositoryIds: z
      .array(storable(z.string().max(200)))
      .max(MAX_FILTER_REPOSITORIES)
      .nullable(),
  })
  .strict()
  .nullable();

export const webhookCreateInput = z
  .object({
    name: webhookName,
    url: webhookUrl,
    secret: webhookSecret,
    events: webhookEvents,
    description: webhookDescription.optional(),
    headers: webhookHeaders.optional(),
    filters: webhookFilters.optional(),
  })
  .strict();

export const webhookUpdateInput = z
  .object({
    name: webhookName.optional(),
    url: webhookUrl.optional(),
    // Socket's update allows null: "keep the secret".
    secret: webhookSecret.nullable().optional(),
    events: webhookEvents.optional(),
    description: webhookDescription.optional(),
    headers: webhookHeaders.optional(),
    filters: webhookFilters.optional(),
  })
  .strict();

export type WebhookCreateInput = z.output<typeof webhookCreateInput>;
export type WebhookUpdateInput = z.output<typeof webhookUpdateInput>;

// ——— The dashboard's forms: FormData strings; checkboxes arrive as one string or several. ———

const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const asArray = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export const webhookTargetSchema = z.object({ webhookId: z.string().trim().min(1).max(100) });

export const webhookFormCreateSchema = z.object({
  name: webhookName,
  url: webhookUrl,
  /** Empty: Keyward generates one and shows it once. */
  secret: z.preprocess(emptyToUndefined, webhookSecret.optional()),
  events: z.preprocess(asArray, webhookEvents),
  description: z.preprocess(emptyToUndefined, webhookDescription.optional()),
});

export const webhookFormUpdateSchema = webhookTargetSchema.extend({
  name: webhookName,
  url: webhookUrl,
  /** Empty: keep the current secret. */
  secret: z.preprocess(emptyToUndefined, webhookSecret.optional()),
  events: z.preprocess(asArray, webhookEvents),
  description: z.preprocess((value) => (value === undefined ? "" : value), webhookDescription),
});

export const webhookPauseSchema = webhookTargetSchema.extend({ paused: z.enum(["true", "false"]).transform((value) => value === "true") });
