// Where a gateway call lands on the upstream: `/gw/<service>/<rest>` → `<base path>/<rest>`.
// The rest is appended segment by segment as the client sent it (its own percent-encoding kept),
// and refused when a segment could climb out of the base path, or out of the upstream itself, on
// any server that normalizes paths: `.`/`..` (also percent-encoded, or with `;params` as Tomcat
// reads them), encoded or back slashes, empty segments (`//host` reads as a new authority to some
// frameworks), NUL and malformed percent-encoding. Refusing beats rewriting: a path an upstream
// would read differently from us is never a path a well-behaved client needs.

const GATEWAY_PREFIX = "/gw/";

export type GatewayTarget = { serviceSlug: string; rest: string };

/** The service slug and the rest of the path (without its leading slash) of a `/gw/` pathname; null when it is not one. */
export function splitGatewayPath(pathname: string): GatewayTarget | null {
  if (!pathname.startsWith(GATEWAY_PREFIX)) return null;
  const slash = pathname.indexOf("/", GATEWAY_PREFIX.length);
  const serviceSlug = slash === -1 ? pathname.slice(GATEWAY_PREFIX.length) : pathname.slice(GATEWAY_PREFIX.length, slash);
  if (serviceSlug === "") return null;
  return { serviceSlug, rest: slash === -1 ? "" : pathname.slice(slash + 1) };
}

/**
 * The upstream request path for `rest` under the service's base path, or null when `rest` is
 * unsafe (see above). `rest` is the raw path after `/gw/<service>/`, without a query.
 */
export function upstreamPath(basePath: string, rest: string): string | null {
  const base = basePath.endsWith("/") ? basePath.slice(0, -1) : basePath;
  if (rest === "") return `${base}/`;
  const segments = rest.split("/");
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    // A trailing slash is meaningful (`/items/`); an empty segment elsewhere is not.
    if (segment === "") {
      if (i === segments.length - 1) continue;
      return null;
    }
    if (!isSafeSegment(segment)) return null;
  }
  return `${base}/${rest}`;
}

function isSafeSegment(segment: string): boolean {
  if (segment.includes("\\")) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return false;
  }
  // Decoded once more: an upstream that decodes twice must not find a slash or a dot segment either.
  let twice = decoded;
  try {
    twice = decodeURIComponent(decoded);
  } catch {
    // Not valid percent-encoding a second time: nothing further to decode.
  }
  for (const form of [decoded, twice]) {
    if (form.includes("/") || form.includes("\\") || form.includes("\0")) return false;
    const beforeParams = form.split(";", 1)[0];
    if (beforeParams === "." || beforeParams === "..") return false;
  }
  return true;
}
