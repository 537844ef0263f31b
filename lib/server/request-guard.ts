import type { IncomingMessage, ServerResponse } from "node:http";

// What a dashboard request may claim about where it comes from, decided before Next.js sees it.

const FORWARDING_HEADERS = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "forwarded"] as const;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Without a trusted proxy in front, a client's X-Forwarded-Host/-Proto are its own inventions:
 * dropped, so Auth.js builds URLs and decides on Secure cookies from the real connection (behind
 * a TLS proxy, TRUST_PROXY=1 or more lets the proxy's X-Forwarded-Proto mark cookies Secure).
 */
export function dropUntrustedForwarding(req: IncomingMessage, trustedProxyHops: number): void {
  if (trustedProxyHops >= 1) return;
  for (const header of FORWARDING_HEADERS) delete req.headers[header];
}

/**
 * Cross-site request forgery: a browser names the page that sent a POST in `Origin` ("null" from
 * sandboxed frames and some redirects). A write whose origin is not this server is refused here
 * with a 403 — server actions (Next.js would only refuse them with a 500 after logging an error)
 * and cookie-authenticated route handlers alike. Requests without Origin come from non-browser
 * clients, which carry no one's cookies but their own.
 */
export function isCrossSiteWrite(req: IncomingMessage, trustedProxyHops: number): boolean {
  if (SAFE_METHODS.has(req.method ?? "GET")) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return req.headers["sec-fetch-site"] === "cross-site";
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true; // "null" and anything else that is not an origin
  }
  const forwardedHost = trustedProxyHops >= 1 ? firstValue(req.headers["x-forwarded-host"]) : undefined;
  return originHost !== req.headers.host && originHost !== forwardedHost;
}

export function refuseCrossSiteWrite(res: ServerResponse): void {
  const body = "Cross-site request refused.\n";
  res.writeHead(403, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(",")[0]?.trim() || undefined;
}
