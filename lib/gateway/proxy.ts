import dns, { type LookupAddress } from "node:dns";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import { Agent, errors, type Dispatcher } from "undici";

import { ApiError, payloadTooLarge } from "../api/errors";
import { sendError } from "../api/http";
import { NetworkList } from "../domain/tokens/networks";
import { gatewayLocation } from "./path";

// The gateway's forwarding, framework-free: one authorized request in, one upstream call out, the
// upstream's answer streamed back. Who may call and what it costs is decided before (handler.ts);
// this module only guarantees what reaches the upstream and what comes back:
// - the body is streamed, never buffered, and cut at `maxBodyBytes` (413);
// - the upstream sees Keyward's identity headers and cannot be handed forged ones: every incoming
//   X-Keyward-* is dropped, as are the caller's credentials (Authorization, Cookie: the token is
//   Keyward's business, and a browser's cookies for this origin include the dashboard session)
//   and headers that would make the upstream run another method or path than the route authorized;
// - the browser never receives the upstream's cookies, site-clearing or other origin-wide headers
//   for Keyward's origin, and an upstream page is sandboxed (CSP) so it cannot script the dashboard's origin;
// - an upstream that does not answer within `upstreamTimeoutMs` is a 504, one that cannot be
//   reached a 502, both in Keyward's JSON error shape.

export type GatewayLimits = {
  /** KEYWARD_GATEWAY_MAX_BODY_BYTES: the largest request body forwarded. */
  maxBodyBytes: number;
  /** KEYWARD_GATEWAY_TIMEOUT_MS: how long the upstream may stay silent (no response, or no data). */
  upstreamTimeoutMs: number;
};

/** Who is calling, as the upstream is told in X-Keyward-Token-Id, X-Keyward-Org and X-Keyward-Scopes. */
export type GatewayIdentity = { tokenId: string; org: string; scopes: readonly string[] };

export type ForwardRequest = {
  /** The service's upstream base URL (its path is the base path). */
  upstream: URL;
  /** The service's slug: redirects into the upstream are rewritten to /gw/<slug>/… (gatewayLocation). */
  serviceSlug: string;
  /** The upstream path, already checked by upstreamPath(). */
  path: string;
  /** The query string without `?`, forwarded as it came. */
  search: string;
  identity: GatewayIdentity;
  /** What Keyward believes the client's address and protocol are (TRUST_PROXY applied). */
  clientIp: string;
  proto: "http" | "https";
  /** The host the client reached Keyward at, for X-Forwarded-Host (none: the header is not sent). */
  forwardedHost: string | undefined;
};

/** How a forwarded call ended, for the usage row: the status the client saw. */
export type ForwardOutcome = {
  status: number;
  kind: "answered" | "timeout" | "unreachable" | "too-large" | "client-gone";
};

export const upstreamTimeout = () => new ApiError(504, "The service did not answer in time.", { reason: "upstream-timeout" });
export const upstreamUnreachable = () => new ApiError(502, "The service could not be reached.", { reason: "upstream-unreachable" });
export const upstreamForbidden = () =>
  new ApiError(502, "The service's upstream address is not allowed (link-local addresses are refused).", { reason: "upstream-forbidden" });
export const upgradeNotSupported = () =>
  new ApiError(501, "The gateway does not support WebSocket or other protocol upgrades yet.", { reason: "upgrade-not-supported" });

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, never forwarded either way.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
// The caller's credentials and forwarding claims: Keyward sets its own forwarding headers.
// Expect too: Node's server has already answered `Expect: 100-continue`, and undici refuses to send the header.
const DROPPED_REQUEST_HEADERS = new Set([
  "authorization",
  "cookie",
  "host",
  "forwarded",
  "x-real-ip",
  "expect",
  // Method and path overrides that some frameworks honour: the upstream would run another call than the route authorized.
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-original-url",
  "x-rewrite-url",
]);
// What an upstream must not do to Keyward's origin: set or clear its cookies, widen a service worker's scope,
// or set a policy the browser keeps for the whole origin (HSTS, which max-age=0 erases; Network Error
// Logging, which reports later requests to Keyward, their URLs included, to a collector; alternative services).
// WWW-Authenticate too: the client's credentials never reach the upstream, so its challenge cannot be
// answered, and a browser would show it as a password prompt on Keyward's origin.
const DROPPED_RESPONSE_HEADERS = new Set([
  "www-authenticate",
  "set-cookie",
  "set-cookie2",
  "clear-site-data",
  "service-worker-allowed",
  "strict-transport-security",
  "nel",
  "report-to",
  "alt-svc",
]);
// A repeated header that may appear once keeps its first value, as node:http's client did (undici passes them all):
// two Content-Types or Locations would leave the browser to choose.
const SINGLE_VALUED_RESPONSE_HEADERS = new Set([
  "age",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "last-modified",
  "location",
  "retry-after",
  "server",
]);
// Link-local addresses are where clouds serve instance metadata and credentials (169.254.169.254):
// an upstream URL, which any org admin sets, must not make Keyward fetch them. Private networks
// stay reachable: protecting an internal API is what the gateway is for.
const FORBIDDEN_UPSTREAM_NETWORKS = new NetworkList(["169.254.0.0/16", "::ffff:a9fe:0/112", "fe80::/10"]);
const KEYWARD_HEADER_PREFIX = "x-keyward-";
const FORWARDED_PREFIX = "x-forwarded-";
// Upstream pages render on Keyward's origin: a sandbox makes them an opaque origin, with no access to the dashboard.
const SANDBOX_POLICY = "sandbox";

export type GatewayProxy = {
  forward(req: IncomingMessage, res: ServerResponse, target: ForwardRequest): Promise<ForwardOutcome>;
  /** Whether the request's declared length already exceeds the limit (refused before any other work). */
  declaresTooLarge(req: IncomingMessage): boolean;
  readonly limits: GatewayLimits;
  close(): void;
};

export function createGatewayProxy(limits: GatewayLimits): GatewayProxy {
  // Kept-alive connections to upstreams: a new TCP (and TLS) handshake per call would cost more than Keyward's own work.
  // undici rather than node:http's client: a third of the CPU per call (about 32 µs against 80, measured alone).
  const agent = new Agent({
    connections: 256,
    headersTimeout: limits.upstreamTimeoutMs,
    bodyTimeout: limits.upstreamTimeoutMs,
    connect: { lookup: lookupRefusingForbidden, timeout: limits.upstreamTimeoutMs },
  });

  function declaresTooLarge(req: IncomingMessage): boolean {
    const declared = Number(req.headers["content-length"]);
    return Number.isFinite(declared) && declared > limits.maxBodyBytes;
  }

  function forward(req: IncomingMessage, res: ServerResponse, target: ForwardRequest): Promise<ForwardOutcome> {
    return new Promise<ForwardOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: ForwardOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const refuse = (error: ApiError, kind: ForwardOutcome["kind"]) => {
        // Aborting the upstream call raises its own error afterwards: the first refusal stands.
        if (settled) return;
        if (!res.headersSent) {
          sendError(res, error);
          finish({ status: error.status, kind });
        } else {
          // Too late for a status: the client sees a cut response.
          res.destroy();
          finish({ status: res.statusCode, kind });
        }
      };

      if (declaresTooLarge(req)) {
        req.resume();
        return refuse(payloadTooLarge(limits.maxBodyBytes), "too-large");
      }

      const { upstream } = target;
      // An address in the URL is never looked up (lookupRefusingForbidden does not see it): checked here.
      if (FORBIDDEN_UPSTREAM_NETWORKS.allows(upstream.hostname.replace(/^\[|\]$/g, ""))) {
        req.resume();
        return refuse(upstreamForbidden(), "unreachable");
      }

      // undici hands over the call's controller only once a connection is ready: a stop asked before waits for it.
      let controller: Dispatcher.DispatchController | null = null;
      let stopReason: Error | null = null;
      const stopUpstream = (reason: Error) => {
        if (controller) controller.abort(reason);
        else stopReason ??= reason;
      };
      let status = 502;
      let waitingForDrain = false;

      let body: BodyLimit | null = null;
      if (hasBody(req)) {
        body = new BodyLimit(limits.maxBodyBytes, limits.upstreamTimeoutMs);
        // Registered before undici's own listener (dispatch below): the 413 or 504 is decided first.
        body.on("error", (error) => {
          req.unpipe(body!);
          req.resume();
          // Refused first: the abort reports to onResponseError at once, and this refusal must stand.
          // A stalled body is a 504 as before undici: the call stayed silent for the timeout.
          if (error instanceof BodyStalledError) refuse(upstreamTimeout(), "timeout");
          else refuse(payloadTooLarge(limits.maxBodyBytes), "too-large");
          stopUpstream(error);
        });
        req.pipe(body);
      } else {
        // Most calls (GET, DELETE) have no body: sent at once, without a stream to pass nothing through.
        req.resume();
      }
      // The client hung up: stop the upstream call rather than let it run for nobody.
      const clientGone = () => {
        // Settled first: undici reports the abort (to onResponseError) at once, and it is no upstream failure.
        finish({ status: res.headersSent ? res.statusCode : 499, kind: "client-gone" });
        stopUpstream(new ClientGoneError());
      };
      res.on("close", () => {
        if (!res.writableFinished) clientGone();
      });
      req.on("error", clientGone);

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(started) {
          controller = started;
          if (stopReason) started.abort(stopReason);
        },
        onResponseStart(call, statusCode, headers) {
          // Interim answers (103 Early Hints) are not passed on: the client gets the final one.
          if (statusCode < 200) return;
          if (settled) return call.abort(new ClientGoneError());
          status = statusCode;
          try {
            res.writeHead(statusCode, forwardedResponseHeaders(headers, target));
          } catch {
            // A header undici read but Node will not send (an invalid character): the answer cannot be passed on.
            call.abort(new UnsendableAnswerError());
          }
        },
        onResponseData(call, chunk) {
          // The client reads slower than the upstream sends: hold the upstream until the client has caught up.
          if (!res.write(chunk) && !waitingForDrain) {
            waitingForDrain = true;
            call.pause();
            res.once("drain", () => {
              waitingForDrain = false;
              call.resume();
            });
          }
        },
        onResponseEnd() {
          res.end();
          finish({ status, kind: "answered" });
        },
        onResponseError(_call, error) {
          if (isTimeout(error)) return refuse(upstreamTimeout(), "timeout");
          refuse(error instanceof ForbiddenUpstreamError ? upstreamForbidden() : upstreamUnreachable(), "unreachable");
        },
      };
      // undici refuses some requests outright (a header it will not send): reported to onResponseError, a 502.
      agent.dispatch(
        {
          origin: upstream.origin,
          method: req.method ?? "GET",
          path: target.search === "" ? target.path : `${target.path}?${target.search}`,
          headers: forwardedRequestHeaders(req.headers, target, upstream.host),
          body,
        },
        handler,
      );
    });
  }

  return {
    forward,
    declaresTooLarge,
    limits,
    close() {
      void agent.destroy().catch(() => {});
    },
  };
}

class ForbiddenUpstreamError extends Error {}
class ClientGoneError extends Error {}
class UnsendableAnswerError extends Error {}

/** Whether undici gave up waiting: to connect, for the response's headers, or for its next data. */
function isTimeout(error: Error): boolean {
  return (
    error instanceof errors.ConnectTimeoutError || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError
  );
}

/** Whether a request carries a body (RFC 9112 §6.3: a Transfer-Encoding, or a Content-Length above 0). */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = req.headers["content-length"];
  return length !== undefined && length !== "0";
}

/** dns.lookup, failing when a name resolves to a forbidden (link-local) address. */
function lookupRefusingForbidden(
  hostname: string,
  options: dns.LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    if (addresses.some((entry) => FORBIDDEN_UPSTREAM_NETWORKS.allows(entry.address))) {
      return callback(new ForbiddenUpstreamError(`${hostname} resolves to a link-local address`), []);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/** Passes the body through, failing once more than `maxBytes` have gone by, or when nothing came for `idleMs`. */
class BodyLimit extends Transform {
  #seen = 0;
  // undici does not time out a call whose request body stops coming: without this, a client could
  // hold an upstream connection until Node's request timeout (5 minutes), not the gateway's.
  readonly #idle: NodeJS.Timeout;
  constructor(
    private readonly maxBytes: number,
    idleMs: number,
  ) {
    super();
    this.#idle = setTimeout(() => this.destroy(new BodyStalledError()), idleMs).unref();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#idle.refresh();
    this.#seen += chunk.length;
    if (this.#seen > this.maxBytes) return callback(new BodyTooLargeError());
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    clearTimeout(this.#idle);
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#idle);
    callback(error);
  }
}
class BodyTooLargeError extends Error {}
class BodyStalledError extends Error {}

/** The headers the upstream receives: the client's, minus credentials, hop-by-hop and forged Keyward or forwarding headers, plus Keyward's. */
export function forwardedRequestHeaders(incoming: IncomingHttpHeaders, target: ForwardRequest, upstreamHost: string): ForwardedHeaders {
  const named = connectionNamed(incoming.connection);
  const headers: ForwardedHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || DROPPED_REQUEST_HEADERS.has(name) || named.has(name)) continue;
    if (name.startsWith(KEYWARD_HEADER_PREFIX) || name.startsWith(FORWARDED_PREFIX)) continue;
    headers[name] = value;
  }
  // A chunked body stays chunked: undici frames it so when Content-Length is absent.
  headers.host = upstreamHost;
  headers["x-forwarded-for"] = target.clientIp;
  headers["x-forwarded-proto"] = target.proto;
  if (target.forwardedHost) headers["x-forwarded-host"] = target.forwardedHost;
  headers["x-keyward-token-id"] = target.identity.tokenId;
  headers["x-keyward-org"] = target.identity.org;
  headers["x-keyward-scopes"] = target.identity.scopes.join(" ");
  return headers;
}

/**
 * The headers the client receives: the upstream's, minus hop-by-hop and origin-changing ones, with
 * pages sandboxed and a redirect into the upstream pointed at the gateway instead (gatewayLocation).
 */
export function forwardedResponseHeaders(
  incoming: IncomingHttpHeaders,
  target: Pick<ForwardRequest, "upstream" | "serviceSlug">,
): ForwardedHeaders {
  const named = connectionNamed(incoming.connection);
  const headers: ForwardedHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || DROPPED_RESPONSE_HEADERS.has(name) || named.has(name)) continue;
    headers[name] = Array.isArray(value) && SINGLE_VALUED_RESPONSE_HEADERS.has(name) ? value[0] : value;
  }
  const location = headers.location;
  if (typeof location === "string") headers.location = gatewayLocation(location, target.upstream, target.serviceSlug) ?? location;
  const policy = headers["content-security-policy"];
  // Several policies all apply: the upstream's own stay, the sandbox is added.
  headers["content-security-policy"] = policy === undefined ? SANDBOX_POLICY : [policy, SANDBOX_POLICY].flat();
  headers["x-content-type-options"] = "nosniff";
  return headers;
}

type ForwardedHeaders = Record<string, string | string[]>;

/** Headers the Connection header names are hop-by-hop too (undici gives a repeated header as a list). */
function connectionNamed(connection: string | string[] | undefined): Set<string> {
  if (!connection) return EMPTY;
  // What nearly every call carries: options that name no header beyond the hop-by-hop ones already dropped.
  if (typeof connection === "string" && HOP_BY_HOP.has(connection.toLowerCase())) return EMPTY;
  return new Set([connection].flat().flatMap((value) => value.split(",").map((name) => name.trim().toLowerCase())));
}
const EMPTY = new Set<string>();
