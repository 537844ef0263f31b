import { normalizeRequestPath } from "../domain/services/routes";

// Where a gateway call lands on the upstream: `/gw/<service>/<rest>` → `<base path>/<rest>`.
// Whether `<rest>` is safe (no dot segment, encoded or back slash… that could climb out of the
// base path on a server that normalizes paths) is the domain's one rule, normalizeRequestPath
// (lib/domain/services/routes.ts): the path the route was matched on is the path forwarded.

const GATEWAY_PREFIX = "/gw/";

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
  const base = basePath.endsWith("/") ? basePath.slice(0, -1) : basePath;
  const trailingSlash = normalized !== "/" && rest.endsWith("/") ? "/" : "";
  return `${base}${normalized}${trailingSlash}`;
}
