import { randomUUID } from "node:crypto";

import {
  encryptTokenValue,
  generateTokenValue,
  hashTokenValue,
  nextQuotaReset,
  serializeScopes,
  TOKEN_PREFIX,
  tokenLastFour,
  type QuotaWindow,
  type Scope,
  type TokenKeyring,
} from "../tokens";

export type NewTokenSettings = {
  orgId: string;
  name: string;
  scopes: readonly Scope[];
  visibility: "ADMIN_ONLY" | "ORGANIZATION";
  quotaMax: number;
  quotaWindow: QuotaWindow;
  expiresAt: Date | null;
  createdById: string | null;
  createdByTokenId?: string | null;
  /** The admin the token acts for (lib/domain/tokens/authority.ts); defaults to its creator. */
  onBehalfOfId?: string | null;
};

/**
 * A fresh secret value for a token: the rows to insert and the plaintext, which the caller shows
 * once and then forgets. The value row id is chosen here because it is the ciphertext's AAD.
 */
export function mintTokenValue(keyring: TokenKeyring, tokenId: string, orgId: string, createdById: string | null) {
  const plaintext = generateTokenValue();
  const id = randomUUID();
  const { ciphertext, keyVersion } = encryptTokenValue(keyring, plaintext, id);
  return {
    plaintext,
    row: { id, tokenId, orgId, hash: hashTokenValue(plaintext), ciphertext, keyVersion, lastFour: tokenLastFour(plaintext), createdById },
  };
}

/** Rows for a brand-new token and its first value. */
export function newTokenRows(keyring: TokenKeyring, settings: NewTokenSettings, now = new Date()) {
  const tokenId = randomUUID();
  const value = mintTokenValue(keyring, tokenId, settings.orgId, settings.createdById);
  return {
    plaintext: value.plaintext,
    token: {
      id: tokenId,
      orgId: settings.orgId,
      name: settings.name,
      scopes: serializeScopes(settings.scopes),
      visibility: settings.visibility,
      prefix: TOKEN_PREFIX,
      lastFour: value.row.lastFour,
      quotaMax: settings.quotaMax,
      quotaRemaining: settings.quotaMax,
      quotaWindow: settings.quotaWindow,
      quotaResetAt: nextQuotaReset(settings.quotaWindow, now),
      expiresAt: settings.expiresAt,
      createdById: settings.createdById,
      createdByTokenId: settings.createdByTokenId ?? null,
      onBehalfOfId: settings.onBehalfOfId ?? settings.createdById,
      createdAt: now,
    },
    value: { ...value.row, createdAt: now },
  };
}
