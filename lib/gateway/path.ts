import { normalizeRequestPath } from "../domain/services/routes";

// Where a gateway call lands on the upstream: `/gw/<service>/<rest>` → `<base path>/<rest>`.
// Whether `<rest>` is safe (no dot segment, encoded or back slash… that could climb out of the
// base path on a server that normalizes paths) is the domain's one rule, normalizeRequestPath
// (lib/domain/services/routes.ts): the path the route was matched on is the path forwarded.

/** Where gateway calls are served: /gw/<service>/<path>. */
export const GATEWAY_PREFIX = "/gw/";

export type GatewayTarget = { serviceSlug: string; rest: string };

/** The service slug and the rest of the path (from its slash on) of a `/gw/` pathname; null when it is not one. */
export function splitGatewayPath(pathname: string): GatewayTarget | null {
  if (!pathname.startsWith(GATEWAY_PREFIX)) return null;
  const slash = pathname.indexOf("/", GATEWAY_PREFIX.length);
  const serviceSlug = slash === -1 ? pathname.slice(GATEWAY_PREFIX.length) : pathname.slice(GATEWAY_PREFIX.length, slash);
  if (serviceSlug === "") return null;
  return { serviceSlug, rest: slash === -1 ? "/" : pathname.slice(slash) };
}

/**
 * The upstream request path for `rest` (starting with "/") under the service's base path, or
 * null when `rest` is unsafe. Empty segments are dropped, as the route matching drops them; a
 * trailing slash is kept (`/items/` and `/items` may differ to the upstream).
 */
export function upstreamPath(basePath: string, rest: string): string | null {
  const normalized = normalizeRequestPath(rest);
  if (normalized === null) return null;
  const base = withoutTrailingSlash(basePath);
  const trailingSlash = normalized !== "/" && rest.endsWith("/") ? "/" : "";
  return `${base}${normalized}${trailingSlash}`;
}

/**
 * Where an upstream's redirect should send the client. A `Location` that points into the upstream
 * (its origin, under its base path), written as an absolute URL or an absolute path, becomes the
 * gateway path that reaches the same place: `http://10.0.0.5:8080/api/invoices/43` or
 * `/api/invoices/43` → `/gw/billing/invoices/43`, as nginx's proxy_redirect and Apache's
 * ProxyPassReverse rewrite. Without it the client would be sent to an address it cannot reach
 * (and learn it), or to a path of Keyward's own. Null: leave it as it is (another site, a
 * relative path the client already resolves against its gateway URL, or a place outside the base path).
 */
export function gatewayLocation(location: string, upstream: URL, serviceSlug: string): string | null {
  // "43" or "../x": relative to the request the client made, /gw/<service>/…, so already right.
  if (!location.startsWith("/") && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location)) return null;
  let resolved: URL;
  try {
    resolved = new URL(location, upstream);
  } catch {
    return null;
  }
  if (resolved.origin !== upstream.origin) return null;
  const base = withoutTrailingSlash(upstream.pathname);
  if (resolved.pathname !== base && !resolved.pathname.startsWith(`${base}/`)) return null;
  const rest = resolved.pathname.slice(base.length) || "/";
  return `${GATEWAY_PREFIX}${serviceSlug}${rest}${resolved.search}${resolved.hash}`;
}

/** A base path as both directions join it with a path of their own ("/api/" and "/api" are one base). */
const withoutTrailingSlash = (path: string): string => (path.endsWith("/") ? path.slice(0, -1) : path);
