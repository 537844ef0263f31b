import { getKeyring } from "../config/keyring";
import { can, type OrgRole, type Permission } from "../domain/members/policy";
import { deserializeServiceScopes, parseServiceScopeList, serializeServiceScopes } from "../domain/services/scopes";
import {
  actsForAnAdmin,
  managementRefusal,
  refusalOf,
  TokenAuthorityError,
  type ActingToken,
  type TokenChange,
  type TokenGrant,
} from "../domain/tokens/authority";
import { deserializeNetworks, serializeNetworks } from "../domain/tokens/networks";
import { visibleTokensWhere } from "../domain/tokens/visibility";
import { decryptTokenValue, deserializeScopes, nextQuotaReset, serializeScopes, type QuotaWindow, type Scope } from "../tokens";
import { auditRow, createAuditEvent, type AuditActor, type AuditEntry } from "./audit";
import { db, type Db } from "./client";
import type { Prisma } from "./generated/sqlite/client";
import { inPermittedTransaction, lockOrgMemberships, roleInTransaction } from "./org-lock";
import { tokenDetailSelect, toTokenDetail, type TokenDetail, type TokenVisibility } from "./token-dto";
import { mintTokenValue, newTokenRows } from "./token-store";

// The one implementation of token changes, shared by the dashboard's server actions and the
// REST API (which runs outside Next.js, so nothing here may import "server-only" or Next).
// Callers authorize and validate (lib/auth, lib/validations/token.ts); every function here is
// still scoped by org (`where: { id, orgId }`), writes its audit row in the same transaction as
// the change, and bumps `version` on every change so API servers drop what they cached.

export type TokenActor =
  | { kind: "user"; userId: string; label: string; ip: string | null; userAgent: string | null }
  /** A token acting through the API, with the value it presented (lib/domain/tokens/authority.ts decides what it may do). */
  | { kind: "token"; tokenId: string; valueId: string; label: string; ip: string | null; userAgent: string | null }
  /** Keyward acting on someone's report, e.g. a secret scanner's leaked-token report. */
  | { kind: "system"; label: string; ip: string | null; userAgent: string | null };

/** The transaction a change runs in, for callers that add their own writes to it (`inTransaction`). */
export type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/**
 * For callers that make a token change part of something larger (an incident's bulk operation):
 * extra audit metadata (e.g. the incident id), and writes that commit or roll back together with
 * the change. `inTransaction` runs only when the change is written (not for a no-op, such as
 * disabling a disabled token); throwing from it rolls the change back.
 */
export type MutationHooks = {
  auditMetadata?: Record<string, unknown>;
  inTransaction?: (tx: Tx, change: { newValueId?: string }) => Promise<void>;
};

export type NewTokenInput = {
  name: string;
  scopes: readonly Scope[];
  visibility: TokenVisibility;
  quotaMax: number;
  quotaWindow: QuotaWindow;
  expiresAt: Date | null;
  /** Canonical CIDR ranges (lib/domain/tokens/networks.ts); empty or absent: any address. */
  allowedNetworks?: readonly string[];
  /** Scopes of the org's services, "<slug>/<scope>"; checked against the services inside the transaction. */
  serviceScopes?: readonly string[];
  /** Socket's committers: who commits with this token. Stored and listed; they grant nothing. */
  committers?: readonly TokenCommitter[];
};

export type TokenCommitter = {
  email?: string;
  provider?: "api" | "azure" | "bitbucket" | "github" | "gitlab";
  providerLoginName?: string;
  providerUserId?: string;
};

export type TokenPatch = Partial<NewTokenInput>;

export type RotateOptions = {
  /** How long the replaced value keeps working: 0 ends it at once; at most 7 days. */
  graceSeconds: number;
  /** "Make admin-only, then rotate": hide an organization-visible token in the same step. */
  makeAdminOnly?: boolean;
  /** The version the caller saw; if the token changed since, nothing happens and a conflict is thrown. */
  expectedVersion?: number;
} & MutationHooks;

export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

export type TokenConflictReason = "version" | "revoked";

/**
 * The token is there but cannot take this change: someone else changed it first (another
 * rotation won, or the caller's `expectedVersion` is stale), or it has been revoked.
 * The API maps this to 409; the dashboard asks the user to reload.
 */
export class TokenConflictError extends Error {
  override name = "TokenConflictError";
  constructor(readonly reason: TokenConflictReason) {
    super(reason === "revoked" ? "This token has been revoked." : "This token was changed by someone else. Reload and try again.");
  }
}

export function isTokenConflict(error: unknown): error is TokenConflictError {
  return error instanceof TokenConflictError;
}

/**
 * The change breaks an org policy: an expiry beyond the org's longest allowed token lifetime, or
 * no expiry where one is required. `field` names the input at fault; the dashboard shows the
 * message beside it, the API answers 400.
 */
export class TokenPolicyError extends Error {
  override name = "TokenPolicyError";
  readonly field = "expiresAt";
}

export function isTokenPolicyError(error: unknown): error is TokenPolicyError {
  return error instanceof TokenPolicyError;
}

const DAY_MS = 24 * 3600_000;

/** The org's longest allowed lifetime in days, or null when it sets none. */
async function maxLifetimeDays(orgId: string, reader: Pick<Tx, "org"> = db): Promise<number | null> {
  const org = await reader.org.findUnique({ where: { id: orgId }, select: { maxTokenLifetimeDays: true } });
  return org?.maxTokenLifetimeDays ?? null;
}

/** Checks an expiry against the policy (null: never expires), counting from `now`; throws TokenPolicyError. */
export function assertExpiryAllowed(expiresAt: Date | null, maxDays: number | null, now: Date): void {
  if (maxDays === null) return;
  const latest = now.getTime() + maxDays * DAY_MS;
  if (expiresAt === null) {
    throw new TokenPolicyError(`Tokens of this organization must expire within ${maxDays} days.`);
  }
  if (expiresAt.getTime() > latest) {
    throw new TokenPolicyError(
      `Tokens of this organization may live at most ${maxDays} days: choose an expiry on or before ${new Date(latest).toISOString().slice(0, 10)}.`,
    );
  }
}

/** A newer version was written between our read and our guarded write (PostgreSQL only: SQLite transactions hold the write lock from BEGIN). */
class StaleReadError extends Error {}

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;
/** Hex characters of a value's SHA-256 shown in audit metadata: enough to tell values apart, useless for lookup. */
const HASH_PREFIX_LENGTH = 12;
const STALE_READ_ATTEMPTS = 3;

export async function createToken(
  actor: TokenActor,
  orgId: string,
  input: NewTokenInput,
): Promise<{ token: TokenDetail; plaintext: string }> {
  const now = new Date();
  // Under a lifetime policy, a token asked for without an expiry gets the longest allowed one.
  const maxDays = await maxLifetimeDays(orgId);
  const expiresAt = input.expiresAt ?? (maxDays === null ? null : new Date(now.getTime() + maxDays * DAY_MS));
  assertExpiryAllowed(expiresAt, maxDays, now);
  const allowedNetworks = input.allowedNetworks ?? [];
  const serviceScopes = input.serviceScopes ?? [];
  const { committers = [], ...settings } = input;
  const rows = newTokenRows(
    getKeyring(),
    {
      orgId,
      ...settings,
      expiresAt,
      createdById: actor.kind === "user" ? actor.userId : null,
      createdByTokenId: actor.kind === "token" ? actor.tokenId : null,
    },
    now,
  );
  const token = await inTokenTransaction(actor, orgId, "tokens:manage", async (tx, authorize) => {
    const acting = authorize({ kind: "create", grant: { ...settings, expiresAt, allowedNetworks, serviceScopes } });
    await assertServiceScopesExist(tx, orgId, serviceScopes);
    // A token made by a token acts for the same admin (its authority ends with theirs).
    const onBehalfOfId = actor.kind === "token" ? (acting?.onBehalfOfId ?? null) : rows.token.onBehalfOfId;
    await tx.apiToken.create({
      data: {
        ...rows.token,
        onBehalfOfId,
        allowedNetworks: serializeNetworks(allowedNetworks),
        serviceScopes: serializeServiceScopes(serviceScopes),
        committers: JSON.stringify(committers),
      },
    });
    await tx.apiTokenValue.create({ data: rows.value });
    await createAuditEvent(tx, {
      data: audit(actor, orgId, "token.created", rows.token.id, {
        name: input.name,
        scopes: [...input.scopes],
        visibility: input.visibility,
        quotaMax: input.quotaMax,
        quotaWindow: input.quotaWindow,
        expiresAt: expiresAt?.toISOString() ?? null,
        ...(allowedNetworks.length > 0 ? { allowedNetworks: [...allowedNetworks] } : {}),
        ...(serviceScopes.length > 0 ? { serviceScopes: [...serviceScopes].sort() } : {}),
        ...(committers.length > 0 ? { committers: [...committers] } : {}),
        lastFour: rows.value.lastFour,
      }),
    });
    return readDetail(tx, orgId, rows.token.id, now);
  });
  return { token: token!, plaintext: rows.plaintext };
}

/** Changes settings; records before/after of each changed field. A patch that changes nothing writes nothing. */
export async function updateToken(
  actor: TokenActor,
  orgId: string,
  tokenId: string,
  patch: TokenPatch,
  options: { expectedVersion?: number } & MutationHooks = {},
): Promise<TokenDetail | null> {
  return retryStaleReads(options.expectedVersion === undefined, () =>
    inTokenTransaction(actor, orgId, "tokens:manage", async (tx, authorize) => {
      const now = new Date();
      const before = await tx.apiToken.findFirst({
        where: { id: tokenId, orgId },
        select: { name: true, quotaWindow: true, status: true, version: true, committers: true, ...GRANT_SELECT },
      });
      if (!before) return null;
      assertChangeable(before, options.expectedVersion);
      authorize({
        kind: "update",
        target: { id: tokenId, quotaWindow: before.quotaWindow, ...grantOf(before) },
        patch: grantPatchOf(patch),
      });

      const changes: Record<string, { before: unknown; after: unknown }> = {};
      const data: Prisma.ApiTokenUpdateManyMutationInput = {};
      if (patch.name !== undefined && patch.name !== before.name) {
        changes.name = { before: before.name, after: patch.name };
        data.name = patch.name;
      }
      if (patch.scopes !== undefined) {
        const scopes = serializeScopes(patch.scopes);
        if (scopes !== before.scopes) {
          changes.scopes = { before: splitScopes(before.scopes), after: splitScopes(scopes) };
          data.scopes = scopes;
        }
      }
      if (patch.serviceScopes !== undefined) {
        const serviceScopes = serializeServiceScopes(patch.serviceScopes);
        if (serviceScopes !== before.serviceScopes) {
          await assertServiceScopesExist(tx, orgId, patch.serviceScopes);
          changes.serviceScopes = { before: splitScopes(before.serviceScopes), after: splitScopes(serviceScopes) };
          data.serviceScopes = serviceScopes;
        }
      }
      if (patch.visibility !== undefined && patch.visibility !== before.visibility) {
        changes.visibility = { before: before.visibility, after: patch.visibility };
        data.visibility = patch.visibility;
      }
      const quotaMax = patch.quotaMax ?? before.quotaMax;
      if (quotaMax !== before.quotaMax) {
        changes.quotaMax = { before: before.quotaMax, after: quotaMax };
        data.quotaMax = quotaMax;
      }
      if (patch.quotaWindow !== undefined && patch.quotaWindow !== before.quotaWindow) {
        changes.quotaWindow = { before: before.quotaWindow, after: patch.quotaWindow };
        data.quotaWindow = patch.quotaWindow;
        // A new window length starts a fresh window with the full allowance.
        data.quotaResetAt = nextQuotaReset(patch.quotaWindow, now);
        data.quotaRemaining = quotaMax;
      } else if (quotaMax !== before.quotaMax) {
        // Keep what was used in this window: remaining moves by the change in the maximum. An
        // increment (not a computed value) so concurrent API charges are not overwritten.
        data.quotaRemaining = { increment: quotaMax - before.quotaMax };
      }
      if (patch.allowedNetworks !== undefined) {
        const networks = serializeNetworks(patch.allowedNetworks);
        if (networks !== before.allowedNetworks) {
          changes.allowedNetworks = { before: deserializeNetworks(before.allowedNetworks), after: [...patch.allowedNetworks] };
          data.allowedNetworks = networks;
        }
      }
      if (patch.committers !== undefined) {
        const committers = JSON.stringify(patch.committers);
        if (committers !== before.committers) {
          changes.committers = { before: JSON.parse(before.committers) as unknown, after: [...patch.committers] };
          data.committers = committers;
        }
      }
      if (patch.expiresAt !== undefined && (patch.expiresAt?.getTime() ?? null) !== (before.expiresAt?.getTime() ?? null)) {
        // Only a changed expiry meets the lifetime policy: editing the name of an older token keeps working.
        assertExpiryAllowed(patch.expiresAt, await maxLifetimeDays(orgId, tx), now);
        changes.expiresAt = { before: before.expiresAt?.toISOString() ?? null, after: patch.expiresAt?.toISOString() ?? null };
        data.expiresAt = patch.expiresAt;
      }
      if (Object.keys(changes).length === 0) return readDetail(tx, orgId, tokenId, now);

      const updated = await tx.apiToken.updateMany({
        where: { id: tokenId, orgId, version: before.version },
        data: { ...data, version: { increment: 1 } },
      });
      if (updated.count === 0) throw new StaleReadError();
      if (typeof data.quotaRemaining === "object") {
        await tx.apiToken.updateMany({ where: { id: tokenId, orgId, quotaRemaining: { lt: 0 } }, data: { quotaRemaining: 0 } });
      }
      await createAuditEvent(tx, { data: audit(actor, orgId, "token.updated", tokenId, { changes, ...options.auditMetadata }) });
      await options.inTransaction?.(tx, {});
      return readDetail(tx, orgId, tokenId, now);
    }),
  );
}

/**
 * A new value for the same token (same id, name, scopes, visibility and quota). Every earlier
 * value stops working now, or at the end of the grace period — never later than it was already
 * due to. The write is guarded by `version`, so of two concurrent rotations one wins and the
 * other gets a TokenConflictError: there are never two live values without a grace period.
 */
export async function rotateToken(
  actor: TokenActor,
  orgId: string,
  tokenId: string,
  options: RotateOptions,
): Promise<{ token: TokenDetail; plaintext: string } | null> {
  const { graceSeconds } = options;
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw new RangeError(`graceSeconds must be a whole number from 0 to ${MAX_GRACE_SECONDS}`);
  }
  const keyring = getKeyring();
  return inTokenTransaction(actor, orgId, "tokens:manage", async (tx, authorize) => {
    const now = new Date();
    const before = await tx.apiToken.findFirst({
      where: { id: tokenId, orgId },
      select: { status: true, version: true, lastFour: true, ...GRANT_SELECT },
    });
    if (!before) return null;
    assertChangeable(before, options.expectedVersion);
    authorize({ kind: "rotate", target: { id: tokenId, ...grantOf(before) } });

    const oldValuesEnd = new Date(now.getTime() + graceSeconds * 1000);
    const hide = options.makeAdminOnly === true && before.visibility !== "ADMIN_ONLY";
    const value = mintTokenValue(keyring, tokenId, orgId, actor.kind === "user" ? actor.userId : null);
    const updated = await tx.apiToken.updateMany({
      where: { id: tokenId, orgId, version: before.version },
      data: {
        lastFour: value.row.lastFour,
        rotatedAt: now,
        version: { increment: 1 },
        ...(hide ? { visibility: "ADMIN_ONLY" as const } : {}),
      },
    });
    // Another rotation (or change) committed first: it won.
    if (updated.count === 0) throw new TokenConflictError("version");

    await tx.apiTokenValue.updateMany({
      where: { tokenId, orgId, OR: [{ validUntil: null }, { validUntil: { gt: oldValuesEnd } }] },
      data: { validUntil: oldValuesEnd },
    });
    await tx.apiTokenValue.updateMany({ where: { tokenId, orgId, replacedAt: null }, data: { replacedAt: now } });
    // Only the current value can be revealed, so replaced values keep just their hash.
    await tx.apiTokenValue.updateMany({ where: { tokenId, orgId, ciphertext: { not: null } }, data: { ciphertext: null } });
    await tx.apiTokenValue.create({ data: { ...value.row, createdAt: now } });

    if (hide) {
      await createAuditEvent(tx, {
        data: {
          ...audit(actor, orgId, "token.updated", tokenId, {
            changes: { visibility: { before: before.visibility, after: "ADMIN_ONLY" } },
            reason: "made admin-only before rotating",
            ...options.auditMetadata,
          }),
          // A millisecond before the rotation, so the log (newest first) reads in the order it happened.
          at: new Date(now.getTime() - 1),
        },
      });
    }
    await createAuditEvent(tx, {
      data: {
        ...audit(actor, orgId, "token.rotated", tokenId, {
          graceSeconds,
          previousValueValidUntil: oldValuesEnd.toISOString(),
          lastFour: { before: before.lastFour, after: value.row.lastFour },
          // Identifies the new value in the log without revealing it: its row and a hash prefix.
          newValue: { id: value.row.id, hashPrefix: value.row.hash.slice(0, HASH_PREFIX_LENGTH) },
          ...options.auditMetadata,
        }),
        at: now,
      },
    });
    await options.inTransaction?.(tx, { newValueId: value.row.id });
    const token = await readDetail(tx, orgId, tokenId, now);
    return { token: token!, plaintext: value.plaintext };
  });
}

/** Disable or re-enable. Asking for the state the token is already in changes and records nothing. */
export async function setTokenEnabled(
  actor: TokenActor,
  orgId: string,
  tokenId: string,
  enabled: boolean,
  hooks: MutationHooks = {},
): Promise<TokenDetail | null> {
  return retryStaleReads(true, () =>
    inTokenTransaction(actor, orgId, "tokens:manage", async (tx, authorize) => {
      const now = new Date();
      const before = await tx.apiToken.findFirst({
        where: { id: tokenId, orgId },
        select: { status: true, version: true, visibility: true },
      });
      if (!before) return null;
      authorize({ kind: "other", target: { id: tokenId, visibility: before.visibility } });
      assertChangeable(before);
      const status = enabled ? ("ACTIVE" as const) : ("DISABLED" as const);
      if (before.status === status) return readDetail(tx, orgId, tokenId, now);
      const updated = await tx.apiToken.updateMany({
        where: { id: tokenId, orgId, version: before.version },
        data: { status, disabledAt: enabled ? null : now, version: { increment: 1 } },
      });
      if (updated.count === 0) throw new StaleReadError();
      await createAuditEvent(tx, {
        data: audit(actor, orgId, enabled ? "token.enabled" : "token.disabled", tokenId, { ...hooks.auditMetadata }),
      });
      await hooks.inTransaction?.(tx, {});
      return readDetail(tx, orgId, tokenId, now);
    }),
  );
}

/** Permanent: every value stops working and its ciphertext is destroyed; the row stays for the audit log. */
export async function revokeToken(
  actor: TokenActor,
  orgId: string,
  tokenId: string,
  hooks: MutationHooks = {},
): Promise<TokenDetail | null> {
  return retryStaleReads(true, () =>
    inTokenTransaction(actor, orgId, "tokens:manage", async (tx, authorize) => {
      const now = new Date();
      const before = await tx.apiToken.findFirst({
        where: { id: tokenId, orgId },
        select: { status: true, version: true, name: true, visibility: true },
      });
      if (!before) return null;
      authorize({ kind: "revoke", target: { id: tokenId, visibility: before.visibility } });
      if (before.status === "REVOKED") return readDetail(tx, orgId, tokenId, now);
      const updated = await tx.apiToken.updateMany({
        where: { id: tokenId, orgId, version: before.version },
        data: { status: "REVOKED", revokedAt: now, version: { increment: 1 } },
      });
      if (updated.count === 0) throw new StaleReadError();
      await tx.apiTokenValue.updateMany({
        where: { tokenId, orgId, OR: [{ validUntil: null }, { validUntil: { gt: now } }] },
        data: { validUntil: now },
      });
      await tx.apiTokenValue.updateMany({ where: { tokenId, orgId }, data: { ciphertext: null } });
      await createAuditEvent(tx, { data: audit(actor, orgId, "token.revoked", tokenId, { name: before.name, ...hooks.auditMetadata }) });
      await hooks.inTransaction?.(tx, {});
      return readDetail(tx, orgId, tokenId, now);
    }),
  );
}

/**
 * "End grace now": replaced values still inside their grace period stop working at once (only
 * `valueId` when given, e.g. the one value reported leaked). The current value is untouched.
 * Bumps `version` so API servers drop the old values they cached. No value in grace: no change.
 */
export async function endGracePeriod(
  actor: TokenActor,
  orgId: string,
  tokenId: string,
  options: { valueId?: string } & MutationHooks = {},
): Promise<TokenDetail | null> {
  return retryStaleReads(true, () =>
    inTokenTransaction(actor, orgId, "tokens:manage", async (tx, authorize) => {
      const now = new Date();
      const before = await tx.apiToken.findFirst({
        where: { id: tokenId, orgId },
        select: { status: true, version: true, visibility: true },
      });
      if (!before) return null;
      authorize({ kind: "other", target: { id: tokenId, visibility: before.visibility } });
      const inGrace = await tx.apiTokenValue.findMany({
        where: { tokenId, orgId, replacedAt: { not: null }, validUntil: { gt: now }, ...(options.valueId ? { id: options.valueId } : {}) },
        select: { id: true, lastFour: true, validUntil: true },
      });
      if (inGrace.length === 0) return readDetail(tx, orgId, tokenId, now);
      const updated = await tx.apiToken.updateMany({
        where: { id: tokenId, orgId, version: before.version },
        data: { version: { increment: 1 } },
      });
      if (updated.count === 0) throw new StaleReadError();
      await tx.apiTokenValue.updateMany({
        where: { id: { in: inGrace.map((value) => value.id) }, tokenId, validUntil: { gt: now } },
        data: { validUntil: now },
      });
      await createAuditEvent(tx, {
        data: audit(actor, orgId, "token.grace_ended", tokenId, {
          values: inGrace.map((value) => ({
            id: value.id,
            lastFour: value.lastFour,
            wasValidUntil: value.validUntil?.toISOString() ?? null,
          })),
          ...options.auditMetadata,
        }),
      });
      await options.inTransaction?.(tx, {});
      return readDetail(tx, orgId, tokenId, now);
    }),
  );
}

/**
 * The current value, for a viewer allowed to see the token (admins: all tokens; members: the
 * organization-visible ones); null when the token does not exist for this viewer. The reveal is
 * audited before the value is returned; a value that fails to decrypt throws TokenDecryptionError
 * (fail closed, nothing recorded).
 */
export async function revealToken(actor: TokenActor, orgId: string, tokenId: string, viewerRole: OrgRole): Promise<string | null> {
  const keyring = getKeyring();
  // Seeing admin-only tokens is a permission of its own: a caller who saw them when the request
  // began must still hold it now, not merely be allowed to copy values.
  const seesAdminOnly = can(viewerRole, "tokens:view-admin-only");
  return inTokenTransaction(actor, orgId, seesAdminOnly ? "tokens:view-admin-only" : "tokens:reveal", async (tx, authorize) => {
    const token = await tx.apiToken.findFirst({
      where: { ...visibleTokensWhere(orgId, viewerRole), id: tokenId },
      select: {
        ...GRANT_SELECT,
        status: true,
        lastFour: true,
        values: {
          where: { validUntil: null },
          orderBy: { createdAt: "desc" },
          take: 1,
          select: { id: true, ciphertext: true, keyVersion: true },
        },
      },
    });
    if (!token) return null;
    authorize({ kind: "reveal", target: { id: tokenId, ...grantOf(token) } });
    const current = token.values[0];
    if (token.status === "REVOKED" || !current?.ciphertext) throw new TokenConflictError("revoked");
    const plaintext = decryptTokenValue(keyring, current.ciphertext, current.keyVersion, current.id);
    await createAuditEvent(tx, { data: audit(actor, orgId, "token.revealed", tokenId, { lastFour: token.lastFour, viewerRole }) });
    return plaintext;
  });
}

/** Checks a token change against the acting token's authority; returns the acting token (null for people and Keyward itself). */
type Authorize = (change: TokenChange) => (ActingToken & { onBehalfOfId: string | null }) | null;

/**
 * Runs one token change in its own transaction. A person's permission is checked again inside it
 * first (inPermittedTransaction: an admin removed or demoted while the request was under way cannot
 * finish it; RoleChangedError).
 * A token's authority (lib/domain/tokens/authority.ts) is read inside it too, and every change
 * must pass it through `authorize` before writing: a refusal rolls back, is recorded in the
 * audit log with the token as actor, and throws TokenAuthorityError. Keyward itself (system)
 * acts on reports.
 */
function inTokenTransaction<T>(
  actor: TokenActor,
  orgId: string,
  permission: Permission,
  change: (tx: Tx, authorize: Authorize) => Promise<T>,
): Promise<T> {
  if (actor.kind === "user") return inPermittedTransaction(actor, orgId, permission, (tx) => change(tx, () => null), TRANSACTION_OPTIONS);
  return auditRefusals(actor, orgId, () =>
    db.$transaction(async (tx) => {
      if (actor.kind === "system") return change(tx, () => null);
      const acting = await actingTokenInTransaction(tx, orgId, actor);
      return change(tx, (proposed) => {
        const refusal = refusalOf(acting, proposed);
        if (refusal) throw new TokenAuthorityError({ ...refusal, details: { ...refusal.details, ...targetOf(proposed) } });
        return acting;
      });
    }, TRANSACTION_OPTIONS),
  );
}

function targetOf(change: TokenChange): { targetId?: string } {
  return change.kind === "create" ? {} : { targetId: change.target.id };
}

/**
 * Any token-management call by a token (the API's token list, which changes nothing): refused for
 * a replaced value or a token whose admin is gone, recorded like every refusal. Returns the acting
 * token, for `refusalOf` on each token the caller would see.
 */
export async function assertTokenManagement(actor: Extract<TokenActor, { kind: "token" }>, orgId: string): Promise<ActingToken> {
  return auditRefusals(actor, orgId, () =>
    db.$transaction(async (tx) => {
      const acting = await actingTokenInTransaction(tx, orgId, actor);
      const refusal = managementRefusal(acting);
      if (refusal) throw new TokenAuthorityError(refusal);
      return acting;
    }, TRANSACTION_OPTIONS),
  );
}

async function auditRefusals<T>(actor: TokenActor, orgId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TokenAuthorityError && actor.kind === "token") {
      const targetId = typeof error.details.targetId === "string" ? error.details.targetId : actor.tokenId;
      await createAuditEvent(db, {
        data: audit(actor, orgId, "token.action_refused", targetId, { rule: error.rule, message: error.message, details: error.details }),
      });
    }
    throw error;
  }
}

const GRANT_SELECT = {
  scopes: true,
  serviceScopes: true,
  quotaMax: true,
  expiresAt: true,
  visibility: true,
  allowedNetworks: true,
} as const;

type GrantRow = {
  scopes: string;
  serviceScopes: string;
  quotaMax: number;
  expiresAt: Date | null;
  visibility: TokenVisibility;
  allowedNetworks: string;
};

function grantOf(row: GrantRow): TokenGrant {
  return {
    scopes: deserializeScopes(row.scopes),
    serviceScopes: deserializeServiceScopes(row.serviceScopes),
    quotaMax: row.quotaMax,
    expiresAt: row.expiresAt,
    visibility: row.visibility,
    allowedNetworks: deserializeNetworks(row.allowedNetworks),
  };
}

function grantPatchOf(patch: TokenPatch): Partial<TokenGrant & { quotaWindow: string }> {
  const { scopes, serviceScopes, quotaMax, expiresAt, visibility, allowedNetworks, quotaWindow } = patch;
  return Object.fromEntries(
    Object.entries({ scopes, serviceScopes, quotaMax, expiresAt, visibility, allowedNetworks, quotaWindow }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

/**
 * The acting token as committed now, with the value it presented. A token revoked, disabled or
 * expired since the request was authenticated, or a value whose grace ended, acts no more. Its
 * admin's role is read under the org's membership lock, so a concurrent demotion cannot race it.
 */
async function actingTokenInTransaction(
  tx: Tx,
  orgId: string,
  actor: Extract<TokenActor, { kind: "token" }>,
): Promise<ActingToken & { onBehalfOfId: string | null }> {
  const now = new Date();
  const row = await tx.apiToken.findFirst({
    where: { id: actor.tokenId, orgId },
    select: {
      ...GRANT_SELECT,
      status: true,
      onBehalfOfId: true,
      values: { where: { id: actor.valueId }, select: { replacedAt: true, validUntil: true } },
    },
  });
  const value = row?.values[0];
  const usable =
    row?.status === "ACTIVE" &&
    (row.expiresAt === null || row.expiresAt > now) &&
    value !== undefined &&
    (value.validUntil === null || value.validUntil > now);
  if (!row || !value || !usable) {
    throw new TokenAuthorityError({
      rule: "inactive-token",
      message: "This token is no longer active.",
      details: { tokenId: actor.tokenId },
    });
  }
  await lockOrgMemberships(tx, orgId);
  const role = row.onBehalfOfId ? await roleInTransaction(tx, orgId, row.onBehalfOfId) : null;
  return {
    id: actor.tokenId,
    ...grantOf(row),
    valueReplaced: value.replacedAt !== null,
    actsForAnAdmin: actsForAnAdmin(row.onBehalfOfId, () => role !== null && can(role, "tokens:manage")),
    onBehalfOfId: row.onBehalfOfId,
  };
}

async function readDetail(tx: Tx, orgId: string, tokenId: string, now: Date): Promise<TokenDetail | null> {
  const row = await tx.apiToken.findFirst({ where: { id: tokenId, orgId }, select: tokenDetailSelect(now) });
  return row ? toTokenDetail(row) : null;
}

function assertChangeable(token: { status: string; version: number }, expectedVersion?: number): void {
  if (token.status === "REVOKED") throw new TokenConflictError("revoked");
  if (expectedVersion !== undefined && token.version !== expectedVersion) throw new TokenConflictError("version");
}

/** Re-runs a read-then-guarded-write transaction that lost a race; without retries (an expected version was given) it is a conflict. */
async function retryStaleReads<T>(retry: boolean, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof StaleReadError)) throw error;
      if (!retry || attempt >= STALE_READ_ATTEMPTS) throw new TokenConflictError("version");
    }
  }
}

/** The service scopes name services and scopes the org has now (a service deleted meanwhile cannot be granted). */
async function assertServiceScopesExist(tx: Tx, orgId: string, serviceScopes: readonly string[]): Promise<void> {
  if (serviceScopes.length === 0) return;
  const services = await tx.service.findMany({ where: { orgId }, select: { slug: true, scopes: { select: { name: true } } } });
  const known = services.map((service) => ({ slug: service.slug, scopes: service.scopes.map((scope) => scope.name) }));
  const parsed = parseServiceScopeList(serviceScopes, known);
  if (!parsed.ok) throw new UnknownServiceScopeError(parsed.unknown);
}

/** The token names service scopes the organization does not have; forms show it beside the service scopes. */
export class UnknownServiceScopeError extends Error {
  override name = "UnknownServiceScopeError";
  readonly field = "serviceScopes";
  constructor(readonly unknown: string[]) {
    super(`Unknown service scope${unknown.length === 1 ? "" : "s"}: ${unknown.slice(0, 5).join(", ")}.`);
  }
}

export function isUnknownServiceScopeError(error: unknown): error is UnknownServiceScopeError {
  return error instanceof UnknownServiceScopeError;
}

function splitScopes(stored: string): string[] {
  return stored.split(" ").filter(Boolean);
}

function audit(actor: TokenActor, orgId: string, action: string, tokenId: string, metadata: Record<string, unknown>) {
  const auditActor: AuditActor =
    actor.kind === "user"
      ? { type: "user", userId: actor.userId, label: actor.label }
      : actor.kind === "token"
        ? { type: "token", tokenId: actor.tokenId, label: actor.label }
        : { type: "system", label: actor.label };
  const entry: AuditEntry = {
    orgId,
    actor: auditActor,
    action,
    target: { type: "token", id: tokenId },
    metadata,
    ip: actor.ip,
    userAgent: actor.userAgent,
  };
  return auditRow(entry);
}
