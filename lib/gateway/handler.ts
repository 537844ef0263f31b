import type { IncomingMessage, ServerResponse } from "node:http";

import { chargeCall, recordRefused, recordUsage, reloadAfterMiss, unchargedRefusal, type Call, type UsageLog } from "../api/charging";
import { ApiError, notFound, outsideAllowedNetworks, payloadTooLarge, unauthorized } from "../api/errors";
import { sendError } from "../api/http";
import { ServiceCache, type CachedService } from "../api/service-cache";
import type { ApiStore } from "../api/store";
import { isUsable, type CachedToken, type TokenCache } from "../api/token-cache";
import type { UsageRecorder } from "../api/usage-recorder";
import { TOKEN_REFUSAL_MESSAGES, tokenFromAuthorization } from "../auth/api-token";
import { resolveServiceCall } from "../domain/services/routes";
import { deserializeServiceScopes, scopesForService, serviceScopeGrants } from "../domain/services/scopes";
import { VERIFY_REFUSAL_MESSAGES } from "../domain/services/verdict";
import type { RefusalReason } from "../domain/usage/refusals";
import { clientIpOf } from "../server/client-ip";
import { forwardedProtoOf } from "../server/trusted-proxy";
import { findTokenCandidates, hashTokenValue } from "../tokens/format";
import { GATEWAY_PREFIX, splitGatewayPath, upstreamPath } from "./path";
import { createGatewayProxy, upgradeNotSupported, type GatewayLimits } from "./proxy";

// /gw/<service>/<path>: a call to one of the organization's own APIs, authorized like a /v0/ call
// (the same token presentation, token cache and usability rule) and like POST /v1/verify (the
// service's routes, the same grant rule, one charge statement that also confirms the service is
// still enabled and unchanged), then forwarded (proxy.ts) and recorded with the status the client saw.

const MAX_USER_AGENT_LENGTH = 512;

export type GatewayHandlerOptions = {
  store: ApiStore;
  tokens: TokenCache;
  recorder: UsageRecorder;
  clock: () => number;
  trustedProxyHops: number;
  /** KEYWARD_PUBLIC_URL's host: what the upstream is told in X-Forwarded-Host, whatever Host the client sent. */
  publicHost?: string;
  limits: GatewayLimits;
  onRefused?: (reason: RefusalReason) => void;
};

export type GatewayHandler = ((req: IncomingMessage, res: ServerResponse, pathname: string, search: string) => Promise<void>) & {
  close(): void;
};

// The refusals, in Keyward's error shape; `code` is /v1/verify's name for the same refusal.
export const serviceNotFound = () => notFound("No such service in this token's organization.");
export const serviceDisabled = () => new ApiError(403, VERIFY_REFUSAL_MESSAGES.service_disabled, { code: "service_disabled" });
export const unsafeServicePath = (message: string) => new ApiError(400, message, { code: "unsafe_path" });
export const noServiceRoute = (message: string) => new ApiError(404, message, { code: "no_route" });
export const methodOverrideInQuery = () =>
  new ApiError(400, "The query names another method (_method): send the call with the method itself.", { code: "method_override" });
export const missingServiceScope = (scope: string) =>
  new ApiError(403, `This token lacks the scope this call needs: ${scope}.`, { code: "missing_scope", requiredScope: scope }, {}, "scope");

export function createGatewayHandler(options: GatewayHandlerOptions): GatewayHandler {
  const { store, tokens, recorder, clock, trustedProxyHops } = options;
  const proxy = createGatewayProxy(options.limits);
  const usage: UsageLog = { recorder, onRefused: options.onRefused };
  // Services by "<org id>/<slug>" (the cache /v1/verify keys by key hash). Never trusted alone: the
  // charge matches only while the service is at the cached version and enabled, and a cached
  // "disabled" is re-read before refusing.
  const services = new ServiceCache((key) => {
    const slash = key.indexOf("/");
    return store.findServiceBySlug(key.slice(0, slash), key.slice(slash + 1));
  });
  // Each service record's upstream URL, parsed once per loaded record rather than per call.
  const upstreams = new WeakMap<object, URL>();
  const upstreamOf = (service: Readonly<CachedService>): URL => {
    let url = upstreams.get(service);
    if (!url) upstreams.set(service, (url = new URL(service.upstreamUrl)));
    return url;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, pathname: string, search: string): Promise<void> {
    const now = clock();
    const method = req.method ?? "GET";
    // Refusals decided from the request alone: no database access.
    if (req.headers.upgrade !== undefined) return sendError(res, upgradeNotSupported());
    const target = splitGatewayPath(pathname);
    if (!target) return sendError(res, serviceNotFound());
    if (proxy.declaresTooLarge(req)) return sendError(res, payloadTooLarge(options.limits.maxBodyBytes));
    // The path and query reach the upstream as they are, so only a Keyward token in them is refused (a
    // leak into logs), not parameter names such as `key` that the upstream may use for its own ends.
    if (urlCarriesKeywardToken(target.rest, search)) return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES["in-query"]));
    if (queryOverridesMethod(search)) return sendError(res, methodOverrideInQuery());
    const presented = tokenFromAuthorization(req.headers.authorization);
    if (!presented.ok) return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES[presented.reason]));

    const hash = hashTokenValue(presented.token);
    const ip = clientIpOf(req, trustedProxyHops);
    const userAgentHeader = req.headers["user-agent"];
    const userAgent = userAgentHeader ? userAgentHeader.slice(0, MAX_USER_AGENT_LENGTH) : null;
    const call: Call = { now, method, route: `${GATEWAY_PREFIX}${target.serviceSlug}`, ip, userAgent };

    let token: Readonly<CachedToken> | null = tokens.peek(hash) ?? (await tokens.reload(hash));
    const serviceKey = (orgId: string) => `${orgId}/${target.serviceSlug}`;
    let service = null as Readonly<CachedService> | null;
    for (let attempt = 1; ; attempt++) {
      if (!token || !isUsable(token, now)) {
        // A cached "unusable" may be stale (re-enabled since): confirm before refusing.
        if (token?.fromCache) {
          token = await tokens.reload(hash);
          continue;
        }
        return sendError(res, unchargedRefusal(usage, call, token, "unusable"));
      }

      // Looked up in the token's own organization: another organization's service is not found.
      if (service?.orgId !== token.orgId) {
        service = services.peek(serviceKey(token.orgId)) ?? (await services.reload(serviceKey(token.orgId)));
      }
      if (service?.disabledAt != null && service.fromCache) service = await services.reload(serviceKey(token.orgId));
      if (!service) return sendError(res, serviceNotFound());
      if (service.disabledAt !== null) return sendError(res, serviceDisabled());

      const granted = deserializeServiceScopes(token.serviceScopes);
      let refusal: ApiError | null = null;
      let cost = 0;
      let path: string | null = null;
      const resolution = resolveServiceCall(service, method, target.rest);
      if (token.networks && !token.networks.allows(ip)) {
        refusal = outsideAllowedNetworks();
      } else if (!resolution.ok) {
        refusal = resolution.reason === "unsafe_path" ? unsafeServicePath(resolution.message) : noServiceRoute(resolution.message);
      } else {
        call.route = usageRoute(service.slug, resolution.route, resolution.scope);
        if (!service.scopeSet.has(resolution.scope) || !serviceScopeGrants(granted, service.slug, resolution.scope)) {
          refusal = missingServiceScope(resolution.scope);
        } else {
          path = upstreamPath(upstreamOf(service).pathname, target.rest);
          if (path === null) refusal = unsafeServicePath("The path contains dot segments or encoded separators; send it normalized.");
          else cost = resolution.cost;
        }
      }

      // Refused calls cost nothing, but still go through the charge: it confirms the cached token
      // and service are current (a revoked token is refused as such, not as a missing scope).
      const charged = await chargeCall(store, call, token, cost, false, { id: service.id, version: service.version });

      if (charged) {
        if (refusal) {
          recordRefused(usage, call, token, refusal);
          return sendError(res, refusal);
        }
        const outcome = await proxy.forward(req, res, {
          upstream: upstreamOf(service),
          serviceSlug: service.slug,
          path: path!,
          search,
          identity: { tokenId: token.tokenId, org: service.orgSlug, scopes: scopesForService(granted, service.slug) },
          clientIp: ip,
          proto: forwardedProtoOf(req.headers["x-forwarded-proto"], trustedProxyHops) ?? "http",
          forwardedHost: options.publicHost ?? req.headers.host,
        });
        // Charged when forwarded, whatever the upstream answered: 502 and 504 included.
        recordUsage(usage, call, token, outcome.status, cost);
        return;
      }

      // The charge matched no row: the token or the service changed, or the quota is spent. Decide on fresh reads.
      const key = serviceKey(token.orgId);
      const fresh = await reloadAfterMiss(tokens, hash, () => services.reload(key), { token, service, cost, attempt, now });
      token = fresh.token;
      service = fresh.service;
      if (fresh.why === "retry") continue;
      return sendError(res, unchargedRefusal(usage, call, token, fresh.why));
    }
  }

  const handler = handle as GatewayHandler;
  handler.close = () => proxy.close();
  return handler;
}

/** The usage route of a gateway call: "/gw/billing/invoices/:id" for a route, "/gw/billing/*" for the default scope. */
function usageRoute(slug: string, route: string, scope: string): string {
  const space = route.indexOf(" ");
  // resolveServiceCall names a matched route "GET /invoices/:id", and a default-scope call by its scope.
  if (space === -1 || route === scope) return `${GATEWAY_PREFIX}${slug}/*`;
  return `${GATEWAY_PREFIX}${slug}${route.slice(space + 1)}`;
}

// Express's method-override, Laravel and Rack read the method from a `_method` parameter: an upstream
// honouring it in the query would run, say, a DELETE for a call whose GET route's scope was checked.
// (The override headers are dropped in proxy.ts; a `_method` field of a form body is not read here.)
function queryOverridesMethod(search: string): boolean {
  if (search === "" || !search.toLowerCase().includes("_method")) return false;
  for (const name of new URLSearchParams(search).keys()) if (name.toLowerCase() === "_method") return true;
  return false;
}

function urlCarriesKeywardToken(path: string, search: string): boolean {
  if (path.includes("kw_") && findTokenCandidates(path).length > 0) return true;
  if (search === "" || !search.includes("kw_")) return false;
  for (const [, value] of new URLSearchParams(search)) if (findTokenCandidates(value).length > 0) return true;
  return false;
}
