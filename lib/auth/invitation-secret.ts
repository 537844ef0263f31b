import { createHash, randomBytes } from "node:crypto";

/** How long an invitation link works. Re-sending issues a new link with a fresh period. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

const SECRET_PREFIX = "kwi_";
const SECRET_PATTERN = /^kwi_[A-Za-z0-9_-]{43}$/;

/** A new single-use invitation secret (256 random bits). Only its hash is stored. */
export function newInvitationSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64url");
}

/** Rejects pasted fragments and junk before any database lookup. */
export function isInvitationSecret(value: string): boolean {
  return SECRET_PATTERN.test(value);
}

export function hashInvitationSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function invitationExpiry(from = new Date()): Date {
  return new Date(from.getTime() + INVITATION_TTL_MS);
}
