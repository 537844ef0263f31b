// Endpoints for load balancers, orchestrators and Prometheus, answered by the custom server
// before Next.js: no session, no page rendering, no log line per request.
//   GET /healthz  200 while the process serves requests (liveness).
//   GET /readyz   200 when the database answers, its migrations are applied and API usage is
//                 being written; 503 with the failing checks otherwise (readiness).
//   GET /metrics  Prometheus text format, with `Authorization: Bearer $KEYWARD_METRICS_TOKEN`;
//                 404 when no token is configured, so an unconfigured server exposes nothing.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import type { KeywardMetrics } from "./metrics";
import type { Readiness } from "./readiness";

export const OPS_PATHS = ["/healthz", "/readyz", "/metrics"] as const;

export type OpsEndpointsOptions = {
  readiness: () => Promise<Readiness>;
  metrics: KeywardMetrics;
  /** KEYWARD_METRICS_TOKEN; unset or empty: /metrics answers 404. */
  metricsToken: string | undefined;
  /** True while shutting down: /readyz answers 503 so the load balancer stops sending traffic. */
  draining?: () => boolean;
};

/** Returns a handler that answers the ops paths and returns false for every other request. */
export function createOpsEndpoints(options: OpsEndpointsOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const tokenDigest = options.metricsToken ? digest(options.metricsToken) : null;
  return (req, res) => {
    const url = req.url ?? "";
    const path = url.includes("?") ? url.slice(0, url.indexOf("?")) : url;
    if (path !== "/healthz" && path !== "/readyz" && path !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, { error: { message: "Use GET." } }, { Allow: "GET, HEAD" });
      return true;
    }
    if (path === "/healthz") {
      send(res, 200, { status: "ok" });
    } else if (path === "/readyz") {
      if (options.draining?.()) {
        send(res, 503, { status: "shutting down" });
        return true;
      }
      void options.readiness().then(
        (readiness) =>
          send(res, readiness.ready ? 200 : 503, { status: readiness.ready ? "ready" : "not ready", checks: readiness.checks }),
        () => send(res, 503, { status: "not ready" }),
      );
    } else if (!tokenDigest) {
      send(res, 404, { error: { message: "Not found." } });
    } else if (!bearerMatches(req.headers.authorization, tokenDigest)) {
      send(
        res,
        401,
        { error: { message: "GET /metrics needs Authorization: Bearer <KEYWARD_METRICS_TOKEN>." } },
        { "WWW-Authenticate": "Bearer" },
      );
    } else {
      void options.metrics.text().then(
        ({ contentType, body }) => sendText(res, 200, body, contentType),
        () => send(res, 500, { error: { message: "Metrics could not be collected." } }),
      );
    }
    return true;
  };
}

// Compared as digests of equal length, in constant time: the token's length and prefix leak nothing.
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match !== null && timingSafeEqual(digest(match[1]), expected);
}

const digest = (value: string) => createHash("sha256").update(value).digest();

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), "application/json; charset=utf-8", headers);
}

function sendText(res: ServerResponse, status: number, text: string, contentType: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(res.req?.method === "HEAD" ? undefined : text);
}
