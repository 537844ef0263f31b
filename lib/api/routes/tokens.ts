import { db } from "../../db/client";
import {
  assertTokenManagement,
  createToken,
  isTokenConflict,
  isTokenPolicyError,
  revealToken,
  revokeToken,
  rotateToken,
  updateToken,
  type TokenCommitter,
  type TokenPatch,
} from "../../db/token-mutations";
import { deserializeServiceScopes } from "../../domain/services/scopes";
import { isTokenAuthorityError, refusalOf, seesAs } from "../../domain/tokens/authority";
import { deserializeNetworks } from "../../domain/tokens/networks";
import { visibleTokensWhere } from "../../domain/tokens/visibility";
import { checkTokenFormat, deserializeScopes, hashTokenValue } from "../../tokens";
import { requireOwnOrg, tokenActorOf, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { badRequest, conflict, forbidden, invalidFields, notFound } from "../errors";
import type { TokenIdentifiers } from "../schemas";

// Token management through the API: the dashboard's own mutations (lib/db/token-mutations.ts),
// the same audit events, with the calling token as the actor. What a token may do to tokens is
// decided there, inside each change's transaction, by lib/domain/tokens/authority.ts; a refusal
// is a 403 naming the rule.

type E = typeof ENDPOINTS;

const VISIBILITY_TO_API = { ADMIN_ONLY: "admin", ORGANIZATION: "organization" } as const;
const VISIBILITY_FROM_API = { admin: "ADMIN_ONLY", organization: "ORGANIZATION" } as const;
const WINDOW_FROM_API = { hourly: "HOURLY", daily: "DAILY", monthly: "MONTHLY" } as const;

/** The list's `hash`: the SRI form (`sha256-<base64>`) of the value's SHA-256, as Socket lists hashes. */
export function sriHash(hexHash: string): string {
  return `sha256-${Buffer.from(hexHash, "hex").toString("base64")}`;
}

function hexHashFrom(hash: string): string | null {
  if (/^[0-9a-f]{64}$/i.test(hash)) return hash.toLowerCase();
  const match = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(hash);
  return match ? Buffer.from(match[1], "base64").toString("hex") : null;
}

export const listTokens: Implementation<E["getAPITokens"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const acting = await mapRefusals(() => assertTokenManagement(tokenActorOf(context), org.id));
  const { direction, per_page: perPage, page, token_values: tokenValues } = context.query;
  const rows = await db.apiToken.findMany({
    // A token sees the tokens its holders may see: members see only organization-visible ones.
    where: { ...visibleTokensWhere(org.id, seesAs(acting)), status: { not: "REVOKED" } },
    orderBy: [{ createdAt: direction }, { id: "asc" }],
    skip: (page - 1) * perPage,
    take: perPage + 1,
    select: {
      id: true,
      name: true,
      scopes: true,
      visibility: true,
      quotaMax: true,
      expiresAt: true,
      allowedNetworks: true,
      serviceScopes: true,
      createdById: true,
      createdAt: true,
      lastUsedAt: true,
      committers: true,
      values: { where: { validUntil: null }, orderBy: { createdAt: "desc" }, take: 1, select: { id: true, hash: true } },
    },
  });
  const tokens = [];
  for (const row of rows.slice(0, perPage)) {
    const scopes = deserializeScopes(row.scopes);
    const current = row.values[0];
    let value: string | null = null;
    const target = {
      id: row.id,
      scopes,
      quotaMax: row.quotaMax,
      expiresAt: row.expiresAt,
      visibility: row.visibility,
      allowedNetworks: deserializeNetworks(row.allowedNetworks),
      serviceScopes: deserializeServiceScopes(row.serviceScopes),
    };
    // Values only of tokens no wider than the caller (the reveal checks again and is audited).
    if (tokenValues === "include" && current && refusalOf(acting, { kind: "reveal", target }) === null) {
      value = await revealToken(tokenActorOf(context), org.id, row.id, seesAs(acting)).catch((error: unknown) => {
        if (isTokenConflict(error)) return null;
        throw error;
      });
    }
    tokens.push({
      id: current?.id ?? row.id,
      group_uuid: row.id,
      name: row.name,
      scopes,
      visibility: VISIBILITY_TO_API[row.visibility],
      max_quota: row.quotaMax,
      created_by: row.createdById,
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
      hash: current ? sriHash(current.hash) : null,
      token: value,
      committers: parseCommitters(row.committers),
    });
  }
  return { body: { tokens, nextPage: rows.length > perPage ? page + 1 : null }, headers: { "Cache-Control": "no-store" } };
};

export const createApiToken: Implementation<E["postAPIToken"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const input = context.body;
  const scopes = input.scopes ?? [];
  const { token, plaintext } = await mapRefusals(() =>
    createToken(tokenActorOf(context), org.id, {
      name: input.name,
      scopes,
      visibility: VISIBILITY_FROM_API[input.visibility],
      quotaMax: input.max_quota,
      quotaWindow: WINDOW_FROM_API[input.quota_window],
      expiresAt: input.expires_at ?? null,
      allowedNetworks: input.allowed_networks ?? [],
      committers: input.committer ? [input.committer] : [],
    }),
  );
  const current = await currentValue(token.id);
  return {
    // Exactly Socket's fields. created_by is a person's id: null for a token made by a token.
    body: { created_by: token.createdBy.userId, group_uuid: token.id, token: plaintext, hash: sriHash(current.hash) },
    headers: { "Cache-Control": "no-store" },
  };
};

export const updateApiToken: Implementation<E["postAPITokenUpdate"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const { body } = context;
  const target = await resolveTarget(org.id, context.params.id, body);
  const patch: TokenPatch = {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
    ...(body.max_quota !== undefined ? { quotaMax: body.max_quota } : {}),
    ...(body.visibility !== undefined ? { visibility: VISIBILITY_FROM_API[body.visibility] } : {}),
    ...(body.quota_window !== undefined ? { quotaWindow: WINDOW_FROM_API[body.quota_window] } : {}),
    ...(body.expires_at !== undefined ? { expiresAt: body.expires_at } : {}),
    ...(body.allowed_networks !== undefined ? { allowedNetworks: body.allowed_networks } : {}),
    // Socket's update names one committer: it becomes the token's committer.
    ...(body.committer !== undefined ? { committers: [body.committer] } : {}),
  };
  const updated = await mapRefusals(() => updateToken(tokenActorOf(context), org.id, target.id, patch));
  if (!updated) throw notFound("Token not found.");
  const current = await currentValue(target.id);
  return { body: { hash: sriHash(current.hash) } };
};

export const rotateApiToken: Implementation<E["postAPITokensRotate"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const target = await resolveTarget(org.id, context.params.id, context.body);
  const rotated = await mapRefusals(() =>
    rotateToken(tokenActorOf(context), org.id, target.id, { graceSeconds: context.body.grace_seconds }),
  );
  if (!rotated) throw notFound("Token not found.");
  const current = await currentValue(target.id);
  return {
    body: { id: current.id, group_uuid: target.id, created_by: target.createdById, token: rotated.plaintext, hash: sriHash(current.hash) },
    headers: { "Cache-Control": "no-store" },
  };
};

export const revokeApiToken: Implementation<E["postAPITokensRevoke"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const target = await resolveTarget(org.id, context.params.id, context.body);
  const revoked = await mapRefusals(() => revokeToken(tokenActorOf(context), org.id, target.id));
  if (!revoked) throw notFound("Token not found.");
  return { body: { status: "revoked" as const } };
};

/** The stored committers (JSON written by token-mutations); anything unreadable lists as none. */
function parseCommitters(text: string): TokenCommitter[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((entry): entry is TokenCommitter => typeof entry === "object" && entry !== null) : [];
  } catch {
    return [];
  }
}

type Target = { id: string; createdById: string | null };

/**
 * The token a request names — by path id and/or the body's uuid, id, token or hash — within the
 * organization. Every identifier given must name the same token; revoked tokens are not found.
 */
async function resolveTarget(orgId: string, pathId: string | undefined, identifiers: TokenIdentifiers): Promise<Target> {
  const given = [
    pathId !== undefined ? { kind: "id" as const, value: pathId } : null,
    identifiers.uuid !== undefined ? { kind: "uuid" as const, value: identifiers.uuid } : null,
    identifiers.id !== undefined ? { kind: "id" as const, value: identifiers.id } : null,
    identifiers.token !== undefined ? { kind: "token" as const, value: identifiers.token } : null,
    identifiers.hash !== undefined ? { kind: "hash" as const, value: identifiers.hash } : null,
  ].filter((entry) => entry !== null);
  if (given.length === 0)
    throw invalidFields("Name the token: give its uuid, id, token or hash.", [{ field: "body.uuid", message: "Required." }]);

  const found = new Set<string>();
  for (const identifier of given) {
    const tokenId = await findTokenId(orgId, identifier.kind, identifier.value);
    if (!tokenId) throw notFound("Token not found.");
    found.add(tokenId);
  }
  if (found.size > 1) throw badRequest("The identifiers given name different tokens.");
  const [tokenId] = found;
  const token = await db.apiToken.findFirst({
    where: { id: tokenId, orgId, status: { not: "REVOKED" } },
    select: { id: true, createdById: true },
  });
  if (!token) throw notFound("Token not found.");
  return token;
}

async function findTokenId(orgId: string, kind: "uuid" | "id" | "token" | "hash", value: string): Promise<string | null> {
  if (kind === "uuid" || kind === "id") {
    const token = await db.apiToken.findFirst({ where: { id: value, orgId }, select: { id: true } });
    if (token) return token.id;
    if (kind === "uuid") return null;
    const byValue = await db.apiTokenValue.findFirst({ where: { id: value, orgId }, select: { tokenId: true } });
    return byValue?.tokenId ?? null;
  }
  const hash = kind === "token" ? (checkTokenFormat(value).ok ? hashTokenValue(value) : null) : hexHashFrom(value);
  if (!hash) return null;
  const byHash = await db.apiTokenValue.findFirst({ where: { hash, orgId }, select: { tokenId: true } });
  return byHash?.tokenId ?? null;
}

async function currentValue(tokenId: string): Promise<{ id: string; hash: string }> {
  const value = await db.apiTokenValue.findFirst({
    where: { tokenId, validUntil: null },
    orderBy: { createdAt: "desc" },
    select: { id: true, hash: true },
  });
  if (!value) throw notFound("Token not found.");
  return value;
}

async function mapRefusals<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isTokenAuthorityError(error)) throw forbidden(error.message, { rule: error.rule, ...error.details });
    if (isTokenConflict(error)) throw error.reason === "revoked" ? notFound("Token not found.") : conflict(error.message);
    // The org's longest-lifetime policy: a well-formed expiry the org does not allow.
    if (isTokenPolicyError(error)) throw invalidFields(error.message, [{ field: "body.expires_at", message: error.message }]);
    throw error;
  }
}
