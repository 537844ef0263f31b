import { decryptTokenValue, encryptTokenValue, type TokenKeyring } from "../../tokens/encryption";
import type { Db } from "../client";

// A webhook's extra request headers are how receivers authenticate Keyward's POSTs (e.g.
// `Authorization: Bearer …`), so they are stored like its signing secret: their JSON encrypted
// with the token keyring, the key version beside it, so keys:rotate covers them too.

export type WebhookHeaders = Record<string, string>;

/** The stored form. legacyHeaders: plain JSON written before headers were encrypted (column "headers"). */
export type StoredWebhookHeaders = {
  id: string;
  headersCiphertext: string | null;
  headersKeyVersion: number | null;
  legacyHeaders: string | null;
};

export const STORED_HEADERS_SELECT = { id: true, headersCiphertext: true, headersKeyVersion: true, legacyHeaders: true } as const;

/** The associated data: the webhook's id (a ciphertext copied to another webhook will not decrypt), labelled so it cannot pass for the secret's. */
export function headersAssociatedData(webhookId: string): string {
  return `${webhookId}:headers`;
}

/** The columns to write for `headers` (null: none); always empties the legacy plain column. */
export function encryptWebhookHeaders(keyring: TokenKeyring, webhookId: string, headers: WebhookHeaders | null) {
  if (!headers) return { headersCiphertext: null, headersKeyVersion: null, legacyHeaders: null };
  const encrypted = encryptTokenValue(keyring, JSON.stringify(headers), headersAssociatedData(webhookId));
  return { headersCiphertext: encrypted.ciphertext, headersKeyVersion: encrypted.keyVersion, legacyHeaders: null };
}

/** Throws TokenDecryptionError when the ciphertext is not this webhook's or its key is gone (fail closed). */
export function decryptWebhookHeaders(keyring: TokenKeyring, stored: StoredWebhookHeaders): WebhookHeaders | null {
  // Encrypted writes empty the legacy column, so a plain value present is the newest (not yet encrypted at startup).
  if (stored.legacyHeaders !== null) return JSON.parse(stored.legacyHeaders) as WebhookHeaders;
  if (stored.headersCiphertext === null || stored.headersKeyVersion === null) return null;
  const json = decryptTokenValue(keyring, stored.headersCiphertext, stored.headersKeyVersion, headersAssociatedData(stored.id));
  return JSON.parse(json) as WebhookHeaders;
}

/**
 * Encrypts headers still stored in plain text (rows from before the encrypted columns); run at
 * startup and by keys:rotate. Idempotent: each row is rewritten only if its plain value is still
 * the one read, and a rewritten row has none left. Returns how many rows it encrypted.
 */
export async function encryptLegacyWebhookHeaders(db: Db, keyring: TokenKeyring): Promise<number> {
  const rows = await db.webhook.findMany({
    where: { legacyHeaders: { not: null } },
    select: { id: true, legacyHeaders: true, updatedAt: true },
  });
  let encrypted = 0;
  for (const row of rows) {
    const headers = JSON.parse(row.legacyHeaders!) as WebhookHeaders | null;
    const updated = await db.webhook.updateMany({
      where: { id: row.id, legacyHeaders: row.legacyHeaders },
      // A change of storage, not of the webhook: its updated_at stays.
      data: { ...encryptWebhookHeaders(keyring, row.id, headers), updatedAt: row.updatedAt },
    });
    encrypted += updated.count;
  }
  return encrypted;
}
