import type { IncomingMessage, ServerResponse } from "node:http";

import { ApiError, forbidden, notFound, outsideAllowedNetworks, payloadTooLarge, quotaExceeded, unauthorized, databaseBusy } from "../api/errors";
import { sendError } from "../api/http";
import { nextRequestId } from "../api/request-id";
import type { ApiStore, GatewayService, TokenRecord } from "../api/store";
import { isUsable, unusableReason, type CachedToken, type TokenCache } from "../api/token-cache";
import type { UsageRecorder } from "../api/usage-recorder";
import { TOKEN_REFUSAL_MESSAGES, tokenFromAuthorization } from "../auth/api-token";
import { resolveServiceCall } from "../domain/services/routes";
import { serviceScopesOf, serviceScopeGrants } from "../domain/services/scopes";
import { nextQuotaReset, quotaAt } from "../domain/tokens/quota";
import type { RefusalReason } from "../domain/usage/refusals";
import { clientIpOf } from "../server/client-ip";
import type { ApiMetrics } from "../server/metrics";
import { forwardedProtoOf } from "../server/trusted-proxy";
import { findTokenCandidates, hashTokenValue } from "../tokens/format";
import { splitGatewayPath, upstreamPath } from "./path";
import { createGatewayProxy, upgradeNotSupported, type GatewayLimits } from "./proxy";

// /gw/<service>/<path>: a call to one of the organization's own APIs, authorized like a /v0/ call
// (the same token presentation, cache, usability rule and one charge statement) against the
// service's routes and scopes, then forwarded (proxy.ts). Per call the database sees the service
// read (disabling a service must refuse its traffic at once, on every server) and the charge.

const MAX_CHARGE_ATTEMPTS = 4;
const MAX_USER_AGENT_LENGTH = 512;

export type GatewayHandlerOptions = {
  store: ApiStore;
  cache: TokenCache;
  recorder: UsageRecorder;
  clock: () => number;
  trustedProxyHops: number;
  limits: GatewayLimits;
  metrics: ApiMetrics | null;
};

export type GatewayHandler = ((req: IncomingMessage, res: ServerResponse, pathname: string, search: string) => Promise<void>) & {
  close(): void;
};

type Call = { now: number; method: string; route: string; ip: string; userAgent: string | null };

export const serviceNotFound = () => notFound("No such service.");
export const serviceDisabled = () => forbidden("This service is disabled: its administrators refuse all its calls for now.", { code: "service_disabled" });
export const unsafeGatewayPath = (message: string) => new ApiError(400, message, { code: "unsafe_path" });
export const noServiceRoute = (message: string) => notFound(message);
export const missingServiceScope = (scope: string) =>
  new ApiError(403, `This token lacks the scope this call needs: ${scope}.`, { requiredScope: scope }, {}, "scope");

export function createGatewayHandler(options: GatewayHandlerOptions): GatewayHandler {
  const { store, cache, recorder, clock, trustedProxyHops, metrics } = options;
  const proxy = createGatewayProxy(options.limits);

  async function handle(req: IncomingMessage, res: ServerResponse, pathname: string, search: string): Promise<void> {
    const now = clock();
    const method = req.method ?? "GET";
    // Refusals decided from the request alone: no database access.
    if (req.headers.upgrade !== undefined) return sendError(res, upgradeNotSupported());
    const target = splitGatewayPath(pathname);
    if (!target) return sendError(res, serviceNotFound());
    if (proxy.declaresTooLarge(req)) {
      req.resume();
      return sendError(res, payloadTooLarge(options.limits.maxBodyBytes));
    }
    // The query goes to the upstream as it is, so only a Keyward token in it is refused (a leak
    // into logs), not parameter names such as `key` that the upstream may use for its own ends.
    if (queryCarriesKeywardToken(search)) return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES["in-query"]));
    const presented = tokenFromAuthorization(req.headers.authorization);
    if (!presented.ok) return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES[presented.reason]));

    const hash = hashTokenValue(presented.token);
    const ip = clientIpOf(req, trustedProxyHops);
    const userAgentHeader = req.headers["user-agent"];
    const userAgent = userAgentHeader ? userAgentHeader.slice(0, MAX_USER_AGENT_LENGTH) : null;
    const call: Call = { now, method, route: `/gw/${target.serviceSlug}`, ip, userAgent };
    const rest = `/${target.rest}`;

    let token: Readonly<CachedToken> | null = cache.peek(hash) ?? (await cache.reload(hash));
    let service: GatewayService | null | undefined;
    for (let attempt = 1; ; attempt++) {
      if (!token || !isUsable(token, now)) {
        if (token?.fromCache) {
          token = await cache.reload(hash);
          continue;
        }
        if (token) recordRefusal(call, token, unusableReason(token, now));
        return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES["bad-token"]));
      }

      // The service is looked up in the token's own organization: another org's slug is simply not found.
      if (service === undefined || service?.orgId !== token.orgId) service = await store.findGatewayService(token.orgId, target.serviceSlug);
      let refusal: ApiError | null = null;
      let cost = 0;
      let upstream: string | null = null;
      let scopes: string[] = [];
      if (token.networks && !token.networks.allows(ip)) refusal = outsideAllowedNetworks();
      else if (!service) refusal = serviceNotFound();
      else if (service.disabled) refusal = serviceDisabled();
      else {
        const resolution = resolveServiceCall(service, method, rest);
        if (!resolution.ok) refusal = resolution.reason === "unsafe_path" ? unsafeGatewayPath(resolution.message) : noServiceRoute(resolution.message);
        else {
          call.route = `/gw/${service.slug} ${resolution.route}`;
          scopes = serviceScopesOf(token.serviceScopes, service.slug);
          if (!serviceScopeGrants(scopes, resolution.scope)) refusal = missingServiceScope(resolution.scope);
          else {
            upstream = upstreamPath(new URL(service.upstreamUrl).pathname, target.rest);
            if (upstream === null) refusal = unsafeGatewayPath("The path contains dot segments or encoded separators; send it normalized.");
            else cost = resolution.cost;
          }
        }
      }

      // Refused calls cost nothing, but still go through the charge statement: it confirms the
      // cached token is current (a revoked token is refused as such, not as a missing scope).
      const quota = await store.charge({
        tokenId: token.tokenId,
        version: token.version,
        cost,
        now,
        nextResetAt: nextQuotaReset(token.quotaWindow, new Date(now)).getTime(),
        ip,
        userAgent,
        route: `${method} ${call.route}`,
      });

      if (quota) {
        if (refusal) {
          if (refusal.countedAs) recordRefusal(call, token, refusal.countedAs);
          else recordUsage(call, token, refusal.status, 0);
          req.resume();
          return sendError(res, refusal);
        }
        const outcome = await proxy.forward(req, res, {
          upstream: new URL(service!.upstreamUrl),
          path: upstream!,
          search,
          identity: { tokenId: token.tokenId, org: service!.orgSlug, scopes },
          clientIp: ip,
          proto: forwardedProtoOf(req.headers["x-forwarded-proto"], trustedProxyHops) ?? "http",
        });
        recordUsage(call, token, outcome.status, cost);
        return;
      }

      // The charge matched no row: the token changed, or the quota is spent. Decide on a fresh read.
      const fresh = await cache.reload(hash);
      if (!fresh || !isUsable(fresh, now)) {
        token = fresh;
        if (token) recordRefusal(call, token, unusableReason(token, now));
        return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES["bad-token"]));
      }
      const changed = fresh.version !== token.version;
      token = fresh;
      if (changed || cost === 0) {
        if (attempt < MAX_CHARGE_ATTEMPTS) continue;
        recordUsage(call, token, 503, 0);
        return sendError(res, databaseBusy());
      }
      recordRefusal(call, token, "quota");
      const quotaNow = quotaAt({ ...fresh, quotaResetAt: new Date(fresh.quotaResetAt) }, new Date(now));
      return sendError(res, quotaExceeded({ remaining: quotaNow.remaining, max: quotaNow.max, resetAt: quotaNow.resetsAt.getTime() }, now));
    }
  }

  function recordUsage(call: Call, token: TokenRecord, status: number, cost: number): void {
    recorder.record({
      requestId: nextRequestId(call.now),
      tokenId: token.tokenId,
      valueId: token.valueId,
      orgId: token.orgId,
      at: call.now,
      method: call.method,
      route: call.route,
      status,
      ip: call.ip,
      userAgent: call.userAgent,
      cost,
    });
  }

  function recordRefusal(call: Call, token: TokenRecord, reason: RefusalReason): void {
    metrics?.refused(reason);
    recorder.recordRefusal({
      tokenId: token.tokenId,
      valueId: token.valueId,
      orgId: token.orgId,
      reason,
      at: call.now,
      method: call.method,
      route: call.route,
      ip: call.ip,
      userAgent: call.userAgent,
    });
  }

  const handler = handle as GatewayHandler;
  handler.close = () => proxy.close();
  return handler;
}

function queryCarriesKeywardToken(search: string): boolean {
  if (search === "" || !search.includes("kw_")) return false;
  for (const [, value] of new URLSearchParams(search)) if (findTokenCandidates(value).length > 0) return true;
  return false;
}
