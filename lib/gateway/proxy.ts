import dns, { type LookupAddress } from "node:dns";
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import https from "node:https";
import { Transform, type TransformCallback } from "node:stream";

import { ApiError, payloadTooLarge } from "../api/errors";
import { sendError } from "../api/http";
import { NetworkList } from "../domain/tokens/networks";

// The gateway's forwarding, framework-free: one authorized request in, one upstream call out, the
// upstream's answer streamed back. Who may call and what it costs is decided before (handler.ts);
// this module only guarantees what reaches the upstream and what comes back:
// - the body is streamed, never buffered, and cut at `maxBodyBytes` (413);
// - the upstream sees Keyward's identity headers and cannot be handed forged ones: every incoming
//   X-Keyward-* is dropped, as are the caller's credentials (Authorization, Cookie: the token is
//   Keyward's business, and a browser's cookies for this origin include the dashboard session);
// - the browser never receives the upstream's cookies or site-clearing headers for Keyward's
//   origin, and an upstream page is sandboxed (CSP) so it cannot script the dashboard's origin;
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
  /** The upstream path, already checked by upstreamPath(). */
  path: string;
  /** The query string without `?`, forwarded as it came. */
  search: string;
  identity: GatewayIdentity;
  /** What Keyward believes the client's address and protocol are (TRUST_PROXY applied). */
  clientIp: string;
  proto: "http" | "https";
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
const DROPPED_REQUEST_HEADERS = new Set(["authorization", "cookie", "host", "forwarded", "x-real-ip"]);
// What an upstream must not do to Keyward's origin: set or clear its cookies, widen a service worker's scope.
const DROPPED_RESPONSE_HEADERS = new Set(["set-cookie", "set-cookie2", "clear-site-data", "service-worker-allowed"]);
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
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
  };

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
      const hostname = upstream.hostname.replace(/^\[|\]$/g, "");
      // An address in the URL is never looked up (lookupRefusingForbidden does not see it): checked here.
      if (FORBIDDEN_UPSTREAM_NETWORKS.allows(hostname)) {
        req.resume();
        return refuse(upstreamForbidden(), "unreachable");
      }
      const protocol = upstream.protocol === "https:" ? "https:" : "http:";
      const transport = protocol === "https:" ? https : http;
      let upstreamRequest: http.ClientRequest;
      try {
        upstreamRequest = transport.request({
          protocol,
          hostname,
          lookup: lookupRefusingForbidden,
          port: upstream.port || undefined,
          method: req.method,
          path: target.search === "" ? target.path : `${target.path}?${target.search}`,
          headers: forwardedRequestHeaders(req.headers, target, upstream.host),
          agent: agents[protocol],
          timeout: limits.upstreamTimeoutMs,
        });
      } catch {
        // Node refuses a path or header it could not send; nothing was sent.
        req.resume();
        return refuse(upstreamUnreachable(), "unreachable");
      }

      upstreamRequest.on("timeout", () => {
        upstreamRequest.destroy();
        refuse(upstreamTimeout(), "timeout");
      });
      upstreamRequest.on("error", (error) =>
        refuse(error instanceof ForbiddenUpstreamError ? upstreamForbidden() : upstreamUnreachable(), "unreachable"),
      );
      upstreamRequest.on("response", (upstreamResponse) => {
        if (settled) return upstreamResponse.destroy();
        res.writeHead(upstreamResponse.statusCode ?? 502, forwardedResponseHeaders(upstreamResponse.headers));
        upstreamResponse.pipe(res);
        upstreamResponse.on("error", () => res.destroy());
        upstreamResponse.on("end", () => finish({ status: upstreamResponse.statusCode ?? 502, kind: "answered" }));
      });
      // The client hung up: stop the upstream call rather than let it run for nobody.
      res.on("close", () => {
        if (!res.writableFinished) upstreamRequest.destroy();
        finish({ status: res.headersSent ? res.statusCode : 499, kind: "client-gone" });
      });

      req.on("error", () => upstreamRequest.destroy());
      if (!hasBody(req)) {
        // Most calls (GET, DELETE) have no body: sent at once, without a stream to pass nothing through.
        req.resume();
        upstreamRequest.end();
        return;
      }
      const limiter = new BodyLimit(limits.maxBodyBytes);
      limiter.on("error", () => {
        upstreamRequest.destroy();
        req.unpipe(limiter);
        req.resume();
        refuse(payloadTooLarge(limits.maxBodyBytes), "too-large");
      });
      req.pipe(limiter).pipe(upstreamRequest);
    });
  }

  return {
    forward,
    declaresTooLarge,
    limits,
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

class ForbiddenUpstreamError extends Error {}

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

/** Passes the body through, failing once more than `maxBytes` have gone by. */
class BodyLimit extends Transform {
  #seen = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.maxBytes) return callback(new Error("request body over the gateway limit"));
    callback(null, chunk);
  }
}

/** The headers the upstream receives: the client's, minus credentials, hop-by-hop and forged Keyward or forwarding headers, plus Keyward's. */
export function forwardedRequestHeaders(incoming: IncomingHttpHeaders, target: ForwardRequest, upstreamHost: string): OutgoingHttpHeaders {
  const named = connectionNamed(incoming.connection);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || DROPPED_REQUEST_HEADERS.has(name) || named.has(name)) continue;
    if (name.startsWith(KEYWARD_HEADER_PREFIX) || name.startsWith(FORWARDED_PREFIX)) continue;
    headers[name] = value;
  }
  // A chunked body stays chunked: Node re-frames it when Content-Length is absent.
  headers.host = upstreamHost;
  headers["x-forwarded-for"] = target.clientIp;
  headers["x-forwarded-proto"] = target.proto;
  if (incoming.host) headers["x-forwarded-host"] = incoming.host;
  headers["x-keyward-token-id"] = target.identity.tokenId;
  headers["x-keyward-org"] = target.identity.org;
  headers["x-keyward-scopes"] = target.identity.scopes.join(" ");
  return headers;
}

/** The headers the client receives: the upstream's, minus hop-by-hop and origin-changing ones, with pages sandboxed. */
export function forwardedResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionNamed(incoming.connection);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || DROPPED_RESPONSE_HEADERS.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  const policy = headers["content-security-policy"];
  // Several policies all apply: the upstream's own stays, the sandbox is added.
  headers["content-security-policy"] = policy === undefined ? SANDBOX_POLICY : [String(policy), SANDBOX_POLICY];
  headers["x-content-type-options"] = "nosniff";
  return headers;
}

/** Headers the Connection header names are hop-by-hop too. */
function connectionNamed(connection: string | undefined): Set<string> {
  if (!connection) return EMPTY;
  return new Set(connection.split(",").map((name) => name.trim().toLowerCase()));
}
const EMPTY = new Set<string>();
