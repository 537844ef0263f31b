import type { IncomingMessage, ServerResponse } from "node:http";

import { queryCarriesToken, TOKEN_REFUSAL_MESSAGES, tokenFromAuthorization } from "../auth/api-token";
import { DEFAULT_GATEWAY_MAX_BODY_BYTES, DEFAULT_GATEWAY_TIMEOUT_MS } from "../config/env";
import { databaseUnavailableReason } from "../db/unavailable";
import type { RefusalReason } from "../domain/usage/refusals";
import { createGatewayHandler } from "../gateway/handler";
import { GATEWAY_PREFIX } from "../gateway/path";
import type { GatewayLimits } from "../gateway/proxy";
import { logger } from "../logger";
import { clientIpOf } from "../server/client-ip";
import type { ApiMetrics } from "../server/metrics";
import { forwardedProtoOf } from "../server/trusted-proxy";
import { hashTokenValue } from "../tokens/format";
import { scopeGrants } from "../tokens/scopes";
import { isStorableDeep } from "../validations/text";
import { chargeCall, recordRefused, recordUsage, unchargedRefusal, whyUncharged, type Call, type UsageLog } from "./charging";
import type { ApiContext, ApiResult, BodyOf, QueryOf } from "./context";
import { ENDPOINTS, OPENAPI_PATH, OPENAPI_SOCKET_PATH, type EndpointId, type EndpointSpec } from "./endpoints";
import {
  ApiError,
  badRequest,
  databaseBusy,
  databaseUnavailable,
  fromZodError,
  internalError,
  methodNotAllowed,
  missingScope,
  notFound,
  outsideAllowedNetworks,
  unauthorized,
  unsupportedMediaType,
} from "./errors";
import { isJsonContentType, parseJsonBody, readBody, sendError, sendJson, sendRaw } from "./http";
import { createLeakedTokensHandler, LEAKED_TOKENS_PATH } from "./leaked-tokens";
import { parseMultipartFiles } from "./multipart";
import { buildOpenApiDocument } from "./openapi";
import { isPackageAnalysisPath, packageAnalysisNotProvided } from "./package-analysis";
import { nextRequestId } from "./request-id";
import { matchRoute, type RouteMatch } from "./router";
import { getOrganizations, getQuota } from "./routes/account";
import { getAuditLogEvents } from "./routes/audit-log";
import { getEntitlements } from "./routes/entitlements";
import {
  associateOrgRepoLabel,
  createOrgRepoLabel,
  deleteOrgRepoLabel,
  disassociateOrgRepoLabel,
  getOrgRepoLabel,
  getOrgRepoLabelList,
  updateOrgRepoLabel,
} from "./routes/repo-labels";
import { createReport, getReport, getReportList } from "./routes/reports";
import { createOrgRepo, deleteOrgRepo, getOrgRepo, getOrgRepoList, updateOrgRepo } from "./routes/repos";
import { getOrgTelemetryConfig, postOrgTelemetry, updateOrgTelemetryConfig } from "./routes/telemetry";
import { createApiToken, listTokens, revokeApiToken, rotateApiToken, updateApiToken } from "./routes/tokens";
import { createOrgWebhook, deleteOrgWebhook, getWebhook, listWebhooks, updateOrgWebhook } from "./routes/webhooks";
import { reportUploadFiles } from "./schemas";
import { ServiceCache } from "./service-cache";
import { StoreBusyError, type ApiStore, type ChargeResult, type TokenRecord } from "./store";
import { isUsable, TokenCache, type CachedToken } from "./token-cache";
import { UsageRecorder } from "./usage-recorder";
import { createVerifyHandler, VERIFY_PATH } from "./verify";

// The REST API's request path, outside Next.js: lib/server/http-server.ts hands every /v0/
// request here. Per call: the token is checked and hashed in memory, its metadata comes from
// the cache, and the database sees one statement — the charge, which also re-validates what was
// cached (see token-cache.ts). Usage rows are written in batches (usage-recorder.ts).

type Endpoints = typeof ENDPOINTS;
type ImplementationTable = {
  [K in EndpointId]: (context: ApiContext<QueryOf<Endpoints[K]>, BodyOf<Endpoints[K]>>) => Promise<ApiResult> | ApiResult;
};

const IMPLEMENTATIONS: ImplementationTable = {
  getQuota,
  getOrganizations,
  getOrgTelemetryConfig,
  updateOrgTelemetryConfig,
  postOrgTelemetry,
  getEntitlements,
  getAuditLogEvents,
  getOrgRepoList,
  getOrgRepoLabelList,
  createOrgRepoLabel,
  getOrgRepoLabel,
  updateOrgRepoLabel,
  deleteOrgRepoLabel,
  associateOrgRepoLabel,
  disassociateOrgRepoLabel,
  createOrgRepo,
  getOrgRepo,
  updateOrgRepo,
  deleteOrgRepo,
  getReportList,
  getReport,
  createReport,
  getAPITokens: listTokens,
  postAPIToken: createApiToken,
  postAPITokenUpdate: updateApiToken,
  postAPITokensRotate: rotateApiToken,
  postAPITokensRevoke: revokeApiToken,
  getOrgApiTokens: listTokens,
  postOrgApiToken: createApiToken,
  postOrgApiTokenUpdate: updateApiToken,
  postOrgApiTokenRotate: rotateApiToken,
  postOrgApiTokenRevoke: revokeApiToken,
  getOrgWebhooksList: listWebhooks,
  createOrgWebhook,
  getOrgWebhook: getWebhook,
  updateOrgWebhook,
  deleteOrgWebhook,
};

/** Endpoints that need the token's organization: the charge reads it in its own transaction. */
const READS_ORG = new Set<EndpointSpec>(
  Object.values(ENDPOINTS).filter((spec: EndpointSpec) => spec.path.includes("/{org}/") || spec === ENDPOINTS.getOrganizations),
);

const MAX_USER_AGENT_LENGTH = 512;
const UNKNOWN_ROUTE = "(unknown)";

export type ApiHandlerOptions = {
  store: ApiStore;
  /** Milliseconds since the epoch; tests move time. */
  clock?: () => number;
  /** Reverse proxies in front (TRUST_PROXY): how much of X-Forwarded-For/-Proto to believe. */
  trustedProxyHops: number;
  recorder?: UsageRecorder;
  /** Where failures are reported; the default writes a JSON log line (lib/logger.ts). */
  log?: ApiLog;
  /** Request counts, latencies and refusals for GET /metrics (lib/server/metrics.ts). */
  metrics?: ApiMetrics;
  /** The gateway's body limit and upstream timeout (KEYWARD_GATEWAY_*); the defaults otherwise. */
  gateway?: GatewayLimits;
  /** KEYWARD_PUBLIC_URL: its host is the gateway's X-Forwarded-Host (else the request's Host, which the client chooses). */
  publicUrl?: string;
};

export type ApiLog = (message: string, error?: unknown, fields?: { requestId?: string }) => void;

const logApiFailure: ApiLog = (message, error, fields) => logger.error({ ...fields, err: error }, `api: ${message}`);

export type ApiHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** Waits (bounded) for requests in progress, then writes every buffered usage row. */
  flush(): Promise<void>;
  readonly cache: TokenCache;
  readonly services: ServiceCache;
  readonly recorder: UsageRecorder;
  /** Requests being answered now (graceful shutdown waits for them). */
  readonly inFlight: number;
  /** Closes the gateway's kept-alive upstream connections. */
  close(): void;
};

type Parsed = { query: unknown; body: unknown };
/** What the metrics need to know about a request once it is answered: its route template. */
type Trace = { route: string };

// Metric labels, made once: "GET /v0/quota" per endpoint, and one each for calls never routed.
const ROUTE_LABELS = new Map<EndpointSpec, string>(
  Object.values(ENDPOINTS).map((spec: EndpointSpec) => [spec, `${spec.method} ${spec.path}`]),
);
const OPENAPI_LABEL = `GET ${OPENAPI_PATH}`;
const LEAKED_TOKENS_LABEL = `POST ${LEAKED_TOKENS_PATH}`;
const VERIFY_LABEL = `POST ${VERIFY_PATH}`;
const NO_TOKEN_LABEL = "(refused before routing)";
// One label for every gateway call: service slugs would make the metric's label set unbounded.
const GATEWAY_LABEL = `${GATEWAY_PREFIX}{service}`;

export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  const { store, trustedProxyHops } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? logApiFailure;
  const metrics = options.metrics ?? null;
  const cache = new TokenCache(store);
  const recorder =
    options.recorder ?? new UsageRecorder(store, (error) => log("writing usage failed", error), undefined, metrics?.onUsageFlushed);
  const leakedTokens = createLeakedTokensHandler({ trustedProxyHops, clock, log });
  // Services verify tokens with their own key (verify.ts), sharing this handler's token cache and usage recorder.
  const services = new ServiceCache((keyHash) => store.findServiceByKeyHash(keyHash));
  const onRefused = (reason: RefusalReason) => metrics?.refused(reason);
  const usage: UsageLog = { recorder, onRefused };
  const verify = createVerifyHandler({ store, tokens: cache, services, recorder, clock, onRefused });
  // /gw/<service>/…: the organization's own APIs, behind this handler's token cache and usage recorder.
  const gateway = createGatewayHandler({
    store,
    tokens: cache,
    recorder,
    clock,
    trustedProxyHops,
    publicHost: options.publicUrl ? new URL(options.publicUrl).host : undefined,
    limits: options.gateway ?? { maxBodyBytes: DEFAULT_GATEWAY_MAX_BODY_BYTES, upstreamTimeoutMs: DEFAULT_GATEWAY_TIMEOUT_MS },
    onRefused,
  });
  let openApiJson: string | undefined;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  async function serve(req: IncomingMessage, res: ServerResponse, trace: Trace): Promise<void> {
    const now = clock();
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? "" : url.slice(q + 1);

    if (pathname === OPENAPI_PATH || pathname === OPENAPI_SOCKET_PATH) {
      trace.route = OPENAPI_LABEL;
      if (method !== "GET") return sendError(res, methodNotAllowed(["GET"]));
      openApiJson ??= JSON.stringify(buildOpenApiDocument());
      return sendRaw(res, 200, openApiJson, { "Cache-Control": "public, max-age=300" });
    }
    // Secret scanners report leaks without a Keyward token: rate-limited per address instead.
    if (pathname === LEAKED_TOKENS_PATH) {
      trace.route = LEAKED_TOKENS_LABEL;
      return leakedTokens(req, res);
    }

    if (pathname === VERIFY_PATH) {
      trace.route = VERIFY_LABEL;
      return verify(req, res, clientIpOf(req, trustedProxyHops));
    }

    if (pathname.startsWith(GATEWAY_PREFIX)) {
      trace.route = GATEWAY_LABEL;
      return gateway(req, res, pathname, search);
    }

    // Refusals decided from the request alone: no database access.
    if (queryCarriesToken(search)) return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES["in-query"]));
    const presented = tokenFromAuthorization(req.headers.authorization);
    if (!presented.ok) return sendError(res, unauthorized(TOKEN_REFUSAL_MESSAGES[presented.reason]));

    const hash = hashTokenValue(presented.token);
    const match = matchRoute(method, pathname);
    const spec: EndpointSpec | null = match.kind === "found" ? match.spec : null;
    const route = spec ? spec.path : UNKNOWN_ROUTE;
    trace.route = spec ? ROUTE_LABELS.get(spec)! : UNKNOWN_ROUTE;
    const ip = clientIpOf(req, trustedProxyHops);
    const userAgentHeader = req.headers["user-agent"];
    const userAgent = userAgentHeader ? userAgentHeader.slice(0, MAX_USER_AGENT_LENGTH) : null;

    let token: Readonly<CachedToken> | null = cache.peek(hash) ?? (await cache.reload(hash));
    // Everything a usage row needs besides the token, status and cost. A plain object, not a
    // closure: closures made per request cost a microsecond each under tsx (keepNames).
    const call: Call = { now, method, route, ip, userAgent };

    let parsed: Parsed | undefined;
    for (let attempt = 1; ; attempt++) {
      if (!token || !isUsable(token, now)) {
        // A cached "unusable" may be stale (re-enabled since): confirm before refusing.
        if (token?.fromCache) {
          token = await cache.reload(hash);
          continue;
        }
        return sendError(res, unchargedRefusal(usage, call, token, "unusable"));
      }

      let refusal: ApiError | null = refusalFor(match, token, ip, pathname);
      if (!refusal && spec && !parsed) {
        try {
          const input = parseInput(spec, search, req);
          parsed = input instanceof Promise ? await input : input;
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          refusal = error;
        }
      }
      // Refused and malformed calls cost nothing, but still go through the charge statement:
      // it confirms the cached token is current.
      const cost = refusal || !spec ? 0 : spec.cost;
      const quota = await chargeCall(store, call, token, cost, spec !== null && READS_ORG.has(spec));

      if (quota) {
        if (refusal) {
          recordRefused(usage, call, token, refusal);
          return sendError(res, refusal);
        }
        return await runEndpoint(req, res, match as Extract<RouteMatch, { kind: "found" }>, token, quota, parsed!, call, cost);
      }

      // The charge matched no row: the token changed, or the quota is spent. Decide on a fresh read.
      const fresh = await cache.reload(hash);
      const why = whyUncharged(token, fresh, false, cost, attempt, now);
      token = fresh;
      if (why === "retry") continue;
      return sendError(res, unchargedRefusal(usage, call, token, why));
    }
  }

  async function runEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    match: Extract<RouteMatch, { kind: "found" }>,
    token: TokenRecord,
    quota: ChargeResult,
    parsed: Parsed,
    call: Call,
    cost: number,
  ): Promise<void> {
    const context: ApiContext = {
      token,
      quota,
      org: quota.org,
      params: match.params,
      query: parsed.query as never,
      body: parsed.body as never,
      now: call.now,
      ip: call.ip,
      userAgent: call.userAgent,
      store,
      origin: originOf(req, trustedProxyHops),
    };
    try {
      // The router matched this id, and parseInput parsed with this endpoint's schemas.
      const implementation = IMPLEMENTATIONS[match.id] as unknown as (context: ApiContext) => Promise<ApiResult> | ApiResult;
      const result = await implementation(context);
      const status = result.status ?? 200;
      recordUsage(usage, call, token, status, cost);
      sendJson(res, status, result.body, result.headers);
    } catch (error) {
      const requestId = nextRequestId(call.now);
      const apiError = error instanceof ApiError ? error : toApiError(error, log, requestId);
      recordUsage(usage, call, token, apiError.status, cost, requestId);
      sendError(res, apiError);
    }
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    const started = metrics ? performance.now() : 0;
    const trace: Trace = { route: NO_TOKEN_LABEL };
    // One then(), not catch() and finally(): each promise costs, more so under Next.js's async hooks.
    const done = () => {
      metrics?.observeRequest(trace.route, res.statusCode, (performance.now() - started) / 1000);
      inFlight--;
      if (inFlight === 0 && idle) idle();
    };
    serve(req, res, trace).then(done, (error: unknown) => {
      try {
        if (!res.headersSent) sendError(res, toApiError(error, log, nextRequestId(Date.now())));
        else res.destroy();
      } finally {
        done();
      }
    });
  }) as ApiHandler;

  handler.flush = async () => {
    if (inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => (idle = resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref()),
      ]);
      idle = null;
    }
    await recorder.flush();
  };
  handler.close = () => gateway.close();
  Object.defineProperty(handler, "cache", { value: cache });
  Object.defineProperty(handler, "services", { value: services });
  Object.defineProperty(handler, "recorder", { value: recorder });
  Object.defineProperty(handler, "inFlight", { get: () => inFlight });
  return handler;
}

/** Why this call is refused before it runs (outside the token's networks, unknown route, wrong method, missing scope), or null. */
function refusalFor(match: RouteMatch, token: Readonly<CachedToken>, ip: string, pathname: string): ApiError | null {
  if (token.networks && !token.networks.allows(ip)) return outsideAllowedNetworks();
  if (match.kind === "none") return isPackageAnalysisPath(pathname) ? packageAnalysisNotProvided() : notFound("No such endpoint.");
  if (match.kind === "wrong-method") return methodNotAllowed(match.allowed);
  const scope = match.spec.scope;
  if (scope && !scopeGrants(token.scopeList, scope)) return missingScope(scope);
  return null;
}

// An endpoint's query without parameters always parses to the same defaults (zod ~1-2 µs).
const DEFAULT_QUERIES = new WeakMap<EndpointSpec, unknown>();

/** The query and body, parsed with the endpoint's schemas. Synchronous without a body: most calls are GETs, and a promise less is ~0.5 µs less per call once Next.js has turned async hooks on. */
function parseInput(spec: EndpointSpec, search: string, req: IncomingMessage): Parsed | Promise<Parsed> {
  const query = parseQuery(spec, search);
  return spec.body ? parseBody(spec.body, req).then((body) => ({ query, body })) : { query, body: undefined };
}

function parseQuery(spec: EndpointSpec, search: string): unknown {
  if (!spec.query) return undefined;
  if (search === "" && DEFAULT_QUERIES.has(spec)) return DEFAULT_QUERIES.get(spec);
  const raw = Object.fromEntries(new URLSearchParams(search));
  if (!isStorableDeep(raw)) throw badRequest("The query string contains text that is not valid (NUL).");
  const result = spec.query.safeParse(raw);
  if (!result.success) throw fromZodError(result.error, "query");
  // Frozen: every call without parameters shares it.
  if (search === "") DEFAULT_QUERIES.set(spec, Object.freeze(result.data));
  return result.data;
}

async function parseBody(spec: NonNullable<EndpointSpec["body"]>, req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req, spec.maxBytes);
  const contentType = req.headers["content-type"];
  if (spec.kind === "multipart") {
    const files = await parseMultipartFiles(raw, contentType);
    const result = reportUploadFiles.safeParse(files);
    if (!result.success) throw fromZodError(result.error, "body");
    return result.data;
  }
  const result = spec.schema.safeParse(parseJsonRequestBody(raw, contentType));
  if (!result.success) throw fromZodError(result.error, "body");
  return result.data;
}

function parseJsonRequestBody(raw: Buffer, contentType: string | undefined): unknown {
  // Socket clients send `{}` for bodiless POSTs; an empty body means the same.
  if (raw.length === 0) return {};
  if (contentType && !isJsonContentType(contentType)) throw unsupportedMediaType("application/json");
  return parseJsonBody(raw);
}

function originOf(req: IncomingMessage, trustedProxyHops: number): string {
  const host = req.headers.host;
  const safeHost = host && /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(host) ? host : "localhost";
  const proto = forwardedProtoOf(req.headers["x-forwarded-proto"], trustedProxyHops) ?? "http";
  return `${proto}://${safeHost}`;
}

function toApiError(error: unknown, log: ApiLog, requestId: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreBusyError) return databaseBusy();
  const unavailable = databaseUnavailableReason(error);
  if (unavailable === "busy") return databaseBusy();
  if (unavailable) {
    // The operator needs to hear about a full disk or a lost database; the client gets a clean 503.
    log(`database unavailable (${unavailable})`, error instanceof Error ? error.message : error, { requestId });
    return databaseUnavailable();
  }
  log("request failed", error, { requestId });
  return internalError();
}
