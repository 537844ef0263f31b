import { db } from "../../db/client";
import {
  assertWebhookAccess,
  createWebhook,
  deleteWebhook,
  updateWebhook,
  WEBHOOK_SELECT,
  WebhookAuthorityError,
  webhookDto,
  type WebhookDto,
} from "../../db/webhooks/mutations";
import { requireOwnOrg, tokenActorOf, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { forbidden, notFound } from "../errors";

// Org webhooks with Socket's paths and shapes, through the dashboard's own mutations
// (lib/db/webhooks/mutations.ts): same audit events, the calling token as the actor, and the
// token's authority over webhooks re-checked inside each transaction. Every query names the org.

type E = typeof ENDPOINTS;

const SORT_COLUMNS = { created_at: "createdAt", updated_at: "updatedAt", name: "name" } as const;

function toApi(webhook: WebhookDto) {
  return {
    id: webhook.id,
    created_at: webhook.createdAt.toISOString(),
    updated_at: webhook.updatedAt.toISOString(),
    name: webhook.name,
    description: webhook.description,
    url: webhook.url,
    secret: null,
    events: webhook.events,
    headers: webhook.headers,
    filters: webhook.filters,
  };
}

async function refusalsAs403<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WebhookAuthorityError) throw forbidden(error.message, { rule: error.refusal.rule });
    throw error;
  }
}

const missing = () => notFound("Webhook not found.");

export const listWebhooks: Implementation<E["getOrgWebhooksList"]> = async (context) => {
  const org = await requireOwnOrg(context);
  await refusalsAs403(() => assertWebhookAccess(tokenActorOf(context), org.id));
  const { sort, direction, per_page: perPage, page } = context.query;
  const rows = await db.webhook.findMany({
    where: { orgId: org.id },
    orderBy: [{ [SORT_COLUMNS[sort]]: direction }, { id: "asc" }],
    skip: (page - 1) * perPage,
    take: perPage + 1,
    select: WEBHOOK_SELECT,
  });
  return {
    body: { results: rows.slice(0, perPage).map((row) => toApi(webhookDto(row))), nextPage: rows.length > perPage ? page + 1 : null },
  };
};

export const getWebhook: Implementation<E["getOrgWebhook"]> = async (context) => {
  const org = await requireOwnOrg(context);
  await refusalsAs403(() => assertWebhookAccess(tokenActorOf(context), org.id));
  const row = await db.webhook.findFirst({ where: { id: context.params.id, orgId: org.id }, select: WEBHOOK_SELECT });
  if (!row) throw missing();
  return { body: toApi(webhookDto(row)) };
};

export const createOrgWebhook: Implementation<E["createOrgWebhook"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const webhook = await refusalsAs403(() => createWebhook(tokenActorOf(context), org.id, context.body));
  return { status: 201, body: toApi(webhook) };
};

export const updateOrgWebhook: Implementation<E["updateOrgWebhook"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const webhook = await refusalsAs403(() => updateWebhook(tokenActorOf(context), org.id, context.params.id, context.body));
  if (!webhook) throw missing();
  return { body: toApi(webhook) };
};

export const deleteOrgWebhook: Implementation<E["deleteOrgWebhook"]> = async (context) => {
  const org = await requireOwnOrg(context);
  if (!(await refusalsAs403(() => deleteWebhook(tokenActorOf(context), org.id, context.params.id)))) throw missing();
  return { body: { status: "ok" as const } };
};
