import { randomBytes, randomUUID } from "node:crypto";

import { getKeyring } from "../../config/keyring";
import { deserializeEvents, serializeEvents, TEST_EVENT_TYPE, type WebhookEventType } from "../../domain/webhooks/events";
import { webhookManagementRefusal, type WebhookTokenRefusal } from "../../domain/webhooks/policy";
import { decryptTokenValue, encryptTokenValue } from "../../tokens/encryption";
import type { WebhookCreateInput, WebhookUpdateInput } from "../../validations/webhook";
import { auditRow, createAuditEvent, type AuditActor } from "../audit";
import { db, type Db } from "../client";
import { inPermittedTransaction, lockOrgMemberships, roleInTransaction } from "../org-lock";
import type { TokenActor } from "../token-mutations";
import { decryptWebhookHeaders, encryptWebhookHeaders, type StoredWebhookHeaders } from "./headers-encryption";
import { eventPayload } from "./outbox";

// Webhook changes, for the dashboard's actions and the REST API alike: each one transaction, the
// caller's permission re-checked inside it, its audit row in it. The secret is stored only
// encrypted (the token-value keyring, the webhook id as associated data) and never read back
// out of this module except by the delivery worker, to sign. The extra headers are stored
// encrypted the same way (./headers-encryption.ts) and decrypted only into the DTO and for sending.

type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$extends" | "$transaction">;
export type WebhookActor = TokenActor;

export class WebhookAuthorityError extends Error {
  override name = "WebhookAuthorityError";
  constructor(readonly refusal: WebhookTokenRefusal) {
    super(refusal.message);
  }
}

export type WebhookDto = {
  id: string;
  name: string;
  description: string | null;
  url: string;
  events: WebhookEventType[];
  headers: Record<string, string> | null;
  filters: { repositoryIds: string[] | null } | null;
  consecutiveFailures: number;
  pausedAt: Date | null;
  pauseReason: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export const WEBHOOK_SELECT = {
  id: true,
  name: true,
  description: true,
  url: true,
  events: true,
  headersCiphertext: true,
  headersKeyVersion: true,
  legacyHeaders: true,
  filters: true,
  consecutiveFailures: true,
  pausedAt: true,
  pauseReason: true,
  createdAt: true,
  updatedAt: true,
} as const;

type WebhookRow = StoredWebhookHeaders & {
  id: string;
  name: string;
  description: string | null;
  url: string;
  events: string;
  filters: string | null;
  consecutiveFailures: number;
  pausedAt: Date | null;
  pauseReason: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export function webhookDto(row: WebhookRow): WebhookDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    url: row.url,
    events: deserializeEvents(row.events),
    headers: decryptWebhookHeaders(getKeyring(), row),
    filters: row.filters === null ? null : (JSON.parse(row.filters) as { repositoryIds: string[] | null }),
    consecutiveFailures: row.consecutiveFailures,
    pausedAt: row.pausedAt,
    pauseReason: row.pauseReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/** Runs a webhook change after re-checking, inside its transaction, that the actor may manage webhooks. */
async function inWebhookTransaction<T>(actor: WebhookActor, orgId: string, change: (tx: Tx) => Promise<T>): Promise<T> {
  if (actor.kind === "user") return inPermittedTransaction(actor, orgId, "webhooks:manage", (tx) => change(tx), TRANSACTION_OPTIONS);
  return db.$transaction(async (tx) => {
    if (actor.kind === "token") {
      await lockOrgMemberships(tx, orgId);
      const token = await tx.apiToken.findFirst({ where: { id: actor.tokenId, orgId }, select: { visibility: true, onBehalfOfId: true } });
      const onBehalfOfRole = token?.onBehalfOfId ? await roleInTransaction(tx, orgId, token.onBehalfOfId) : null;
      const refusal = webhookManagementRefusal({ visibility: token?.visibility ?? "ORGANIZATION", onBehalfOfRole });
      if (refusal) throw new WebhookAuthorityError(refusal);
    }
    return change(tx);
  }, TRANSACTION_OPTIONS);
}

/** For reads through the API: the same check as a change (a token may see webhooks only as far as it could manage them). */
export async function assertWebhookAccess(actor: WebhookActor, orgId: string): Promise<void> {
  await inWebhookTransaction(actor, orgId, async () => undefined);
}

function auditActorOf(actor: WebhookActor): AuditActor {
  return actor.kind === "user"
    ? { type: "user", userId: actor.userId, label: actor.label }
    : actor.kind === "token"
      ? { type: "token", tokenId: actor.tokenId, label: actor.label }
      : { type: "system", label: actor.label };
}

async function audit(tx: Tx, actor: WebhookActor, orgId: string, action: string, webhookId: string, metadata: Record<string, unknown>) {
  await createAuditEvent(tx, {
    data: auditRow({
      orgId,
      actor: auditActorOf(actor),
      action,
      target: { type: "webhook", id: webhookId },
      metadata,
      ip: actor.ip,
      userAgent: actor.userAgent,
    }),
  });
}

/** A secret for "generate one for me": 32 random bytes, base64url, with a recognizable prefix. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

/** What the audit log shows of a webhook: never the secret, and only the names of its headers (their values may be credentials). */
function auditView(input: { name?: string; url?: string; events?: readonly string[]; headers?: Record<string, string> | null }) {
  return {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.url !== undefined && { url: input.url }),
    ...(input.events !== undefined && { events: input.events }),
    ...(input.headers !== undefined && { headerNames: input.headers ? Object.keys(input.headers) : null }),
  };
}

export async function createWebhook(actor: WebhookActor, orgId: string, input: WebhookCreateInput): Promise<WebhookDto> {
  return inWebhookTransaction(actor, orgId, async (tx) => {
    const id = randomUUID();
    const secret = encryptTokenValue(getKeyring(), input.secret, id);
    const row = await tx.webhook.create({
      data: {
        id,
        orgId,
        name: input.name,
        description: input.description ?? null,
        url: input.url,
        secretCiphertext: secret.ciphertext,
        secretKeyVersion: secret.keyVersion,
        events: serializeEvents(input.events),
        ...encryptWebhookHeaders(getKeyring(), id, input.headers ?? null),
        filters: input.filters ? JSON.stringify(input.filters) : null,
      },
      select: WEBHOOK_SELECT,
    });
    await audit(tx, actor, orgId, "webhook.created", id, auditView(input));
    return webhookDto(row);
  });
}

/** null: no such webhook in this org. */
export async function updateWebhook(
  actor: WebhookActor,
  orgId: string,
  webhookId: string,
  patch: WebhookUpdateInput,
): Promise<WebhookDto | null> {
  return inWebhookTransaction(actor, orgId, async (tx) => {
    const data: Record<string, unknown> = {};
    if (patch.name !== undefined) data.name = patch.name;
    if (patch.description !== undefined) data.description = patch.description;
    if (patch.url !== undefined) data.url = patch.url;
    if (patch.events !== undefined) data.events = serializeEvents(patch.events);
    if (patch.headers !== undefined) Object.assign(data, encryptWebhookHeaders(getKeyring(), webhookId, patch.headers));
    if (patch.filters !== undefined) data.filters = patch.filters ? JSON.stringify(patch.filters) : null;
    if (patch.secret) {
      const secret = encryptTokenValue(getKeyring(), patch.secret, webhookId);
      data.secretCiphertext = secret.ciphertext;
      data.secretKeyVersion = secret.keyVersion;
    }
    const updated = await tx.webhook.updateMany({ where: { id: webhookId, orgId }, data });
    if (updated.count === 0) return null;
    await audit(tx, actor, orgId, "webhook.updated", webhookId, { ...auditView(patch), ...(patch.secret && { secretChanged: true }) });
    return webhookDto(await tx.webhook.findFirstOrThrow({ where: { id: webhookId, orgId }, select: WEBHOOK_SELECT }));
  });
}

export async function deleteWebhook(actor: WebhookActor, orgId: string, webhookId: string): Promise<boolean> {
  return inWebhookTransaction(actor, orgId, async (tx) => {
    const webhook = await tx.webhook.findFirst({ where: { id: webhookId, orgId }, select: { name: true, url: true } });
    if (!webhook) return false;
    await tx.webhook.deleteMany({ where: { id: webhookId, orgId } });
    await audit(tx, actor, orgId, "webhook.deleted", webhookId, webhook);
    return true;
  });
}

/** Pause stops sending (events still queue up); resume sends what waited, and starts the failure count afresh. */
export async function setWebhookPaused(actor: WebhookActor, orgId: string, webhookId: string, paused: boolean): Promise<boolean> {
  return inWebhookTransaction(actor, orgId, async (tx) => {
    const updated = await tx.webhook.updateMany({
      where: { id: webhookId, orgId },
      data: paused
        ? { pausedAt: new Date(), pauseReason: `Paused by ${actor.label}` }
        : { pausedAt: null, pauseReason: null, consecutiveFailures: 0 },
    });
    if (updated.count === 0) return false;
    if (!paused) {
      // What gave up while the receiver was down gets a fresh round of attempts.
      await tx.webhookDelivery.updateMany({
        where: { webhookId, orgId, status: "FAILED" },
        data: { status: "PENDING", attempts: 0, nextAttemptAt: new Date() },
      });
    }
    await audit(tx, actor, orgId, paused ? "webhook.paused" : "webhook.resumed", webhookId, {});
    return true;
  });
}

/** Queues a `webhook.test` delivery, sent even while the webhook is paused; null: no such webhook. */
export async function sendTestEvent(actor: WebhookActor, orgId: string, webhookId: string, now = new Date()): Promise<string | null> {
  return inWebhookTransaction(actor, orgId, async (tx) => {
    const webhook = await tx.webhook.findFirst({
      where: { id: webhookId, orgId },
      select: { id: true, org: { select: { id: true, slug: true } } },
    });
    if (!webhook) return null;
    const eventId = randomUUID();
    const payload = eventPayload(
      {
        id: eventId,
        type: TEST_EVENT_TYPE,
        at: now,
        orgId,
        actor: { type: auditActorOf(actor).type, label: actor.label },
        target: { type: "webhook", id: webhookId },
        details: { message: "A test event sent from Keyward." },
      },
      webhook.org,
    );
    const delivery = await tx.webhookDelivery.create({
      data: { webhookId, orgId, eventKey: eventId, eventType: TEST_EVENT_TYPE, payload, nextAttemptAt: now },
      select: { id: true },
    });
    await audit(tx, actor, orgId, "webhook.test_sent", webhookId, { deliveryId: delivery.id });
    return delivery.id;
  });
}

/** For the delivery worker only: the extra request headers to send. */
export function webhookHeadersOf(row: StoredWebhookHeaders): Record<string, string> | null {
  return decryptWebhookHeaders(getKeyring(), row);
}

/** For the delivery worker only: the signing secret. */
export function webhookSecretOf(row: { id: string; secretCiphertext: string; secretKeyVersion: number }): string {
  return decryptTokenValue(getKeyring(), row.secretCiphertext, row.secretKeyVersion, row.id);
}
