import type { IncomingMessage, ServerResponse } from "node:http";

import type { VerifyRefusalCode as ClientRefusalCode, VerifyResult } from "../client/verify";
import { deserializeServiceScopes, scopesForService, serviceScopeGrants } from "../domain/services/scopes";
import {
  CODE_OF_REFUSAL,
  REFUSAL_OF_CODE,
  VERIFY_REFUSAL_MESSAGES,
  verifyUsageRoute,
  type VerifyRefusalCode,
} from "../domain/services/verdict";
import { checkServiceKeyFormat, checkTokenFormat, hashTokenValue } from "../tokens/format";
import { VERIFY_BODY_MAX_BYTES, verifyRequestSchema, type VerifyRequest } from "../validations/service";
import { chargeCall, quotaNow, recordRefusal, recordUsage, reloadAfterMiss, type AfterMiss, type Call } from "./charging";
import { databaseBusy, fromZodError, methodNotAllowed, unauthorized, unsupportedMediaType } from "./errors";
import { isJsonContentType, parseJsonBody, readBody, sendError, sendJson } from "./http";
import type { CachedService, ServiceCache } from "./service-cache";
import type { ApiStore, TokenRecord } from "./store";
import { isUsable, unusableReason, type CachedToken, type TokenCache } from "./token-cache";
import type { UsageRecorder } from "./usage-recorder";

// POST /v1/verify: a service asks whether a token may make a call needing one of its scopes, and
// Keyward charges the call's cost. The same path as /v0/ (token-cache.ts, one charge statement,
// the batched usage recorder), with the service's key instead of a token: the key only
// verifies, for its own service and organization (it authenticates nothing under /v0/).

export const VERIFY_PATH = "/v1/verify";
const MAX_USER_AGENT_LENGTH = 512;
/** Usage rows of verified calls carry this method: the service's own route (or scope) is the route. */
export const VERIFY_USAGE_METHOD = "VERIFY";

export const SERVICE_KEY_REFUSAL = "Invalid service key: send the service's verification key as `Authorization: Bearer kws_…`.";

export type VerifyDeps = {
  store: ApiStore;
  tokens: TokenCache;
  services: ServiceCache;
  recorder: UsageRecorder;
  clock: () => number;
  onRefused?: (reason: NonNullable<(typeof REFUSAL_OF_CODE)[VerifyRefusalCode]>) => void;
};

/**
 * The answer is the shape the published client (lib/client/verify.ts, copied into services)
 * declares, so the two cannot drift; and the client knows exactly the codes the domain has.
 */
export type VerifyAnswer = VerifyResult;
type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const CLIENT_KNOWS_EVERY_CODE: SameUnion<ClientRefusalCode, VerifyRefusalCode> = true;

/** The service key from `Authorization: Bearer kws_…`, checked for format and checksum; null otherwise. */
export function serviceKeyFromAuthorization(header: string | undefined): string | null {
  if (!header || header.length > 200) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match || !checkServiceKeyFormat(match[1]).ok) return null;
  return match[1];
}

export function createVerifyHandler(deps: VerifyDeps) {
  return async function serveVerify(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    if (req.method !== "POST") return sendError(res, methodNotAllowed(["POST"]));
    const key = serviceKeyFromAuthorization(req.headers.authorization);
    if (key === null) return sendError(res, unauthorized(SERVICE_KEY_REFUSAL));
    const keyHash = hashTokenValue(key);
    const service = deps.services.peek(keyHash) ?? (await deps.services.reload(keyHash));
    if (!service) return sendError(res, unauthorized(SERVICE_KEY_REFUSAL));

    const raw = await readBody(req, VERIFY_BODY_MAX_BYTES);
    if (!isJsonContentType(req.headers["content-type"])) throw unsupportedMediaType("application/json");
    const parsed = verifyRequestSchema.safeParse(parseJsonBody(raw));
    if (!parsed.success) throw fromZodError(parsed.error, "body");

    const userAgentHeader = req.headers["user-agent"];
    const userAgent = userAgentHeader ? userAgentHeader.slice(0, MAX_USER_AGENT_LENGTH) : null;
    const answer = await verifyCall(deps, () => deps.services.reload(keyHash), service, parsed.data, { ip, userAgent });
    if (answer === "busy") return sendError(res, databaseBusy());
    if (answer === "bad-key") return sendError(res, unauthorized(SERVICE_KEY_REFUSAL));
    sendJson(res, 200, answer);
  };
}

type Caller = { ip: string; userAgent: string | null };

/**
 * The verdict on one call, charged when valid. Every answer that depends on the token or the
 * service is confirmed by the charge statement (at the cached versions) or by a fresh read.
 * `reloadService` re-reads the service the way it was found (by key hash here; the gateway finds
 * it by org and slug); null when it is gone ("bad-key").
 */
export async function verifyCall(
  deps: Omit<VerifyDeps, "services">,
  reloadService: () => Promise<CachedService | null>,
  cachedService: Readonly<CachedService>,
  request: VerifyRequest,
  caller: Caller,
): Promise<VerifyAnswer | "busy" | "bad-key"> {
  const now = deps.clock();
  let service: Readonly<CachedService> | null = cachedService;
  // What the usage row or refusal count of this call says, besides the token, status and cost.
  const call: Call = {
    now,
    method: VERIFY_USAGE_METHOD,
    route: verifyUsageRoute(service.slug, request.scope, request.route),
    ip: request.ip ?? caller.ip,
    userAgent: caller.userAgent,
  };

  if (service.disabledAt !== null) {
    if (service.fromCache) service = await reloadService();
    if (!service) return "bad-key";
    if (service.disabledAt !== null) return refusal("service_disabled");
  }

  if (!checkTokenFormat(request.token).ok) return refusalAfterConfirming("unknown");
  const tokenHash = hashTokenValue(request.token);
  let token: Readonly<CachedToken> | null = deps.tokens.peek(tokenHash) ?? (await deps.tokens.reload(tokenHash));

  for (let attempt = 1; ; attempt++) {
    // Another organization's token is unknown here: a service never learns about other orgs' tokens.
    if (!token || token.orgId !== service.orgId) {
      if (token?.fromCache) {
        token = await deps.tokens.reload(tokenHash);
        continue;
      }
      return refusalAfterConfirming("unknown");
    }
    if (!isUsable(token, now)) {
      if (token.fromCache) {
        token = await deps.tokens.reload(tokenHash);
        continue;
      }
      return refusalAfterConfirming(CODE_OF_REFUSAL[unusableReason(token, now)], token);
    }

    const granted = deserializeServiceScopes(token.serviceScopes);
    let code: VerifyRefusalCode | null = null;
    if (token.networks && (request.ip === undefined || !token.networks.allows(request.ip))) code = "outside_networks";
    else if (!service.scopeSet.has(request.scope) || !serviceScopeGrants(granted, service.slug, request.scope)) code = "missing_scope";
    // A refusal costs nothing but still goes through the charge: it confirms the cached token and service are current.
    const cost = code ? 0 : request.cost;
    const charged = await chargeCall(deps.store, call, token, cost, false, { id: service.id, version: service.version });

    if (charged) {
      if (code) return refusal(code, token);
      recordUsage(deps, call, token, 200, cost);
      return {
        valid: true,
        token: { id: token.tokenId, name: token.name, org: service.orgSlug },
        scopes: scopesForService(granted, service.slug),
        quota: { remaining: charged.remaining, max: charged.max, resetsAt: new Date(charged.resetAt).toISOString() },
        expiresAt: token.expiresAt === null ? null : new Date(token.expiresAt).toISOString(),
      };
    }

    // The charge matched no row: the token or the service changed, or the quota is spent. Decide on fresh reads.
    const fresh: AfterMiss<CachedService> = await reloadAfterMiss(deps.tokens, tokenHash, reloadService, {
      token,
      service,
      cost,
      attempt,
      now,
    });
    if (!fresh.service) return "bad-key";
    service = fresh.service;
    if (service.disabledAt !== null) return refusal("service_disabled");
    token = fresh.token;
    // A token unusable now is refused with its reason at the loop's start, on the last attempt too: a
    // fresh read is not from the cache, so it is refused there without another charge.
    if (fresh.why === "retry" || fresh.why === "unusable") continue;
    if (fresh.why === "busy") return "busy";
    const quota = quotaNow(token!, now);
    return refusal("quota_exhausted", token!, { remaining: quota.remaining, max: quota.max, resetsAt: quota.resetsAt.toISOString() });
  }

  async function refusalAfterConfirming(code: VerifyRefusalCode, onToken?: TokenRecord): Promise<VerifyAnswer | "bad-key"> {
    // Not confirmed by a charge: re-read the service first, it may have been re-enabled, or disabled, since it was cached.
    if (service?.fromCache) service = await reloadService();
    if (!service) return "bad-key";
    if (service.disabledAt !== null) return refusal("service_disabled");
    return refusal(code, onToken);
  }

  function refusal(
    code: VerifyRefusalCode,
    onToken?: TokenRecord,
    quota?: { remaining: number; max: number; resetsAt: string },
  ): VerifyAnswer {
    const reason = REFUSAL_OF_CODE[code];
    if (onToken && reason) recordRefusal(deps, call, onToken, reason);
    return { valid: false, code, message: VERIFY_REFUSAL_MESSAGES[code], ...(quota ? { quota } : {}) };
  }
}
