"use server";

import { actionActor, orgAction, type ActionState } from "@/lib/auth/action";
import {
  createWebhook,
  deleteWebhook,
  generateWebhookSecret,
  sendTestEvent,
  setWebhookPaused,
  updateWebhook,
} from "@/lib/db/webhooks/mutations";
import { webhookFormCreateSchema, webhookFormUpdateSchema, webhookPauseSchema, webhookTargetSchema } from "@/lib/validations/webhook";

import { refreshOrgPages } from "./refusals";

// The Webhooks page's actions, all declared with webhooks:manage (admins). Changes go through
// lib/db/webhooks/mutations.ts, which re-checks the permission in each transaction and audits.

const WEBHOOK_NOT_FOUND: ActionState<never> = { ok: false, code: "NOT_FOUND", message: "This webhook does not exist." };

/** Creates a webhook; a generated secret is in the answer this once (never shown again). */
export const createWebhookAction = orgAction("webhooks:manage", webhookFormCreateSchema, async (input, ctx) => {
  const generated = input.secret === undefined ? generateWebhookSecret() : null;
  const webhook = await createWebhook(actionActor(ctx), ctx.org.id, { ...input, secret: input.secret ?? generated! });
  refreshOrgPages(ctx);
  return {
    ok: true,
    message: generated ? "Webhook created. Copy its signing secret now: it will not be shown again." : "Webhook created.",
    data: { webhookId: webhook.id, secret: generated },
  } satisfies ActionState<{ webhookId: string; secret: string | null }>;
});

export const updateWebhookAction = orgAction("webhooks:manage", webhookFormUpdateSchema, async ({ webhookId, ...patch }, ctx) => {
  const updated = await updateWebhook(actionActor(ctx), ctx.org.id, webhookId, patch);
  if (!updated) return WEBHOOK_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: "Saved." };
});

export const deleteWebhookAction = orgAction("webhooks:manage", webhookTargetSchema, async ({ webhookId }, ctx) => {
  if (!(await deleteWebhook(actionActor(ctx), ctx.org.id, webhookId))) return WEBHOOK_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: "Webhook deleted." };
});

export const setWebhookPausedAction = orgAction("webhooks:manage", webhookPauseSchema, async ({ webhookId, paused }, ctx) => {
  if (!(await setWebhookPaused(actionActor(ctx), ctx.org.id, webhookId, paused))) return WEBHOOK_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: paused ? "Paused: events wait until you resume." : "Resumed: waiting events are being sent." };
});

export const sendTestWebhookAction = orgAction("webhooks:manage", webhookTargetSchema, async ({ webhookId }, ctx) => {
  if (!(await sendTestEvent(actionActor(ctx), ctx.org.id, webhookId))) return WEBHOOK_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: "Test event queued: it appears in the delivery log within seconds." };
});
