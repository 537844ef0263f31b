// Which scope a call to a service needs and what it costs, from the service's routes
// (method + path pattern). Used by the gateway (/gw/<service>/<path>) and shown in the dashboard.
//
// Patterns: "/invoices", "/invoices/:id", "/files/*" ("*" last: any rest, including none).
// The most specific route wins, segment by segment (literal > ":param" > "*"), then a named
// method over "*", then the admin's order. A path that could mean something else to the
// upstream (dot segments, encoded "/" "\" or ".", also after another decoding or Unicode
// normalization) matches nothing and must be refused, never given the default scope:
// "/public/../admin" must not pass as "/public/…"; nor may one whose letter case or ";parameters"
// would choose another route on servers that ignore them (resolveServiceCall).

export const ROUTE_METHODS = ["*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export type ServiceRouteRule = { method: string; pathPattern: string; scope: string; cost: number; position?: number };
export type RouteMatch = {
  scope: string;
  cost: number;
  /** "GET /invoices/:id": the route as usage records it. */
  route: string;
  params: Record<string, string>;
};
export type ServiceCallResolution =
  ({ ok: true } & RouteMatch) | { ok: false; reason: "unsafe_path"; message: string } | { ok: false; reason: "no_route"; message: string };

const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAM_SEGMENT = /^:[A-Za-z_][A-Za-z0-9_]{0,31}$/;
export const MAX_PATH_PATTERN_LENGTH = 200;

type Segment = { kind: "literal"; value: string } | { kind: "param"; name: string } | { kind: "rest" };
const RANK: Record<Segment["kind"], number> = { literal: 4, param: 3, rest: 1 };
// A pattern that ended exactly where the path did beats a "*" that matched nothing.
const ENDED_RANK = 2;

/** Null when valid, else why (shown beside the route's field). */
export function pathPatternProblem(pattern: string): string | null {
  if (!pattern.startsWith("/")) return "Start the path with /.";
  if (pattern.length > MAX_PATH_PATTERN_LENGTH) return `Use at most ${MAX_PATH_PATTERN_LENGTH} characters.`;
  const parts = splitPath(pattern);
  for (const [index, part] of parts.entries()) {
    if (part === "*") {
      if (index !== parts.length - 1) return "* may only be the last segment.";
    } else if (part === "." || part === "..") {
      return "Remove . and .. segments.";
    } else if (!LITERAL_SEGMENT.test(part) && !PARAM_SEGMENT.test(part)) {
      return `"${part}" is not a path segment: use letters, digits, . _ ~ -, a :param or a final *.`;
    }
  }
  return null;
}

export const isRouteMethod = (value: string): value is RouteMethod => (ROUTE_METHODS as readonly string[]).includes(value);

/**
 * The request path as matched and forwarded ("/a//b/" → "/a/b"), or null when it could mean
 * something else to the upstream than to us. `path` excludes the query string.
 */
export function normalizeRequestPath(path: string): string | null {
  if (!path.startsWith("/")) return null;
  // Control characters, backslashes (some servers read them as "/") and encoded separators or
  // dots, also encoded twice (%252e: an upstream that decodes twice finds "%2e", then ".").
  if (/[\u0000-\u001f\u007f\\]/.test(path) || /%(25)*(2f|5c|2e|00)/i.test(path)) return null;
  const parts = splitPath(path);
  // "..;x" is ".." to servers that strip path parameters (Tomcat, Spring).
  if (parts.some((part) => isDotSegment(part.split(";", 1)[0]))) return null;
  if (parts.some(mayReadAsSeparatorOrDots)) return null;
  return `/${parts.map(decodeUnreserved).join("/")}`;
}

// Printable ASCII without "%": what NFKC leaves as it is and no decoding changes (most paths).
const PLAIN_SEGMENT = /^[\x20-\x24\x26-\x7e]*$/;

/** "%65xport" → "export": an escaped letter, digit, "-", "_" or "~" is that character (RFC 3986 §6.2.2.2), to the upstream too. */
const decodeUnreserved = (segment: string): string =>
  segment.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const character = String.fromCharCode(parseInt(hex, 16));
    return /^[A-Za-z0-9_~-]$/.test(character) ? character : escape;
  });

// How many times a segment is decoded looking for a disguised "." or "/": more is refused.
const MAX_SEGMENT_DECODINGS = 3;

/**
 * Whether an upstream that decodes the segment (once or again) and normalizes Unicode (NFKC: a
 * full-width "．" or a leader "‥" becomes dots, "／" a slash) could read it as a dot segment or as
 * holding a separator. Percent-escapes that are not UTF-8 are refused too: an old decoder reads
 * the overlong "%c0%ae" as ".". A "%" not followed by two hex digits stays a plain character.
 */
function mayReadAsSeparatorOrDots(segment: string): boolean {
  // Nothing to decode or normalize: its dot segments were checked by the caller, and "\\" refused before.
  if (PLAIN_SEGMENT.test(segment)) return false;
  let text = segment;
  for (let decodings = 0; ; decodings++) {
    const normalized = text.normalize("NFKC");
    if (/[/\\\u0000-\u001f\u007f]/.test(normalized) || isDotSegment(normalized.split(";", 1)[0])) return true;
    let decoded: string;
    try {
      decoded = text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => decodeURIComponent(run));
    } catch {
      return true;
    }
    if (decoded === text) return false;
    if (decodings === MAX_SEGMENT_DECODINGS) return true;
    text = decoded;
  }
}

/** The best route for the call, or null when none matches (or the path is unsafe: see normalizeRequestPath). */
export function matchRoute(routes: readonly ServiceRouteRule[], method: string, path: string): RouteMatch | null {
  const normalized = normalizeRequestPath(path);
  if (normalized === null) return null;
  return matchNormalized(routes, method.toUpperCase(), splitPath(normalized), false);
}

function matchNormalized(
  routes: readonly ServiceRouteRule[],
  verb: string,
  requestParts: readonly string[],
  ignoreCase: boolean,
): RouteMatch | null {
  let best: { rule: ServiceRouteRule; ranks: number[]; params: Record<string, string>; index: number } | null = null;
  for (const [index, rule] of routes.entries()) {
    if (!methodMatches(rule.method, verb)) continue;
    const segments = parsedPattern(rule);
    if (segments === null) continue;
    const matched = matchSegments(segments, requestParts, ignoreCase);
    if (matched === null) continue;
    const candidate = { rule, ranks: segments.map((segment) => RANK[segment.kind]), params: matched, index };
    if (best === null || moreSpecific(candidate, best)) best = candidate;
  }
  if (best === null) return null;
  return {
    scope: best.rule.scope,
    cost: best.rule.cost,
    route: `${best.rule.method.toUpperCase()} ${best.rule.pathPattern}`,
    params: best.params,
  };
}

/** The scope and cost of a gateway call: its route's, else the service's default, else refused. */
export function resolveServiceCall(
  service: { defaultScope: string | null; defaultCost: number; routes: readonly ServiceRouteRule[] },
  method: string,
  path: string,
): ServiceCallResolution {
  const normalized = normalizeRequestPath(path);
  if (normalized === null) {
    return { ok: false, reason: "unsafe_path", message: "The path contains dot segments or encoded separators; send it normalized." };
  }
  const verb = method.toUpperCase();
  const parts = splitPath(normalized);
  const match = matchNormalized(service.routes, verb, parts, false);
  // Servers differ in how they read a path: Express (by default) and IIS ignore letter case ("/Admin" is
  // "/admin"), Tomcat and Spring drop ";…" from each segment ("/export;x" is "/export"). A path that
  // would get another route's scope or cost read either way is refused, not let through on the laxer one.
  // Each other reading is taken only where it can differ: letters of two cases on either side, a ";".
  const otherReadings: (RouteMatch | null)[] = [];
  if (normalized !== normalized.toLowerCase() || service.routes.some((rule) => rule.pathPattern !== rule.pathPattern.toLowerCase())) {
    otherReadings.push(matchNormalized(service.routes, verb, parts, true));
  }
  if (path.includes(";")) otherReadings.push(matchRoute(service.routes, method, withoutPathParameters(path)));
  const verdict = (found: RouteMatch | null) => (found ? `${found.scope} ${found.cost}` : `${service.defaultScope} ${service.defaultCost}`);
  if (otherReadings.some((reading) => verdict(reading) !== verdict(match))) {
    return {
      ok: false,
      reason: "unsafe_path",
      message: "The path would choose another route on a server that ignores letter case or ;parameters; spell it as the route does.",
    };
  }
  if (match) return { ok: true, ...match };
  if (service.defaultScope === null) {
    return { ok: false, reason: "no_route", message: `No route of this service matches ${method.toUpperCase()} ${path}.` };
  }
  return { ok: true, scope: service.defaultScope, cost: service.defaultCost, route: service.defaultScope, params: {} };
}

function methodMatches(ruleMethod: string, verb: string): boolean {
  const wanted = ruleMethod.toUpperCase();
  // HEAD is GET without the body: a GET route covers it.
  return wanted === "*" || wanted === verb || (wanted === "GET" && verb === "HEAD");
}

function moreSpecific(
  a: { rule: ServiceRouteRule; ranks: number[]; index: number },
  b: { rule: ServiceRouteRule; ranks: number[]; index: number },
): boolean {
  for (let i = 0; i < Math.max(a.ranks.length, b.ranks.length); i++) {
    const rankA = a.ranks[i] ?? ENDED_RANK;
    const rankB = b.ranks[i] ?? ENDED_RANK;
    if (rankA !== rankB) return rankA > rankB;
  }
  const namedA = a.rule.method !== "*";
  const namedB = b.rule.method !== "*";
  if (namedA !== namedB) return namedA;
  const positionA = a.rule.position ?? a.index;
  const positionB = b.rule.position ?? b.index;
  return positionA < positionB;
}

// Each route's parsed pattern, kept with the route object (a cached service's routes live as long as the service record).
const PARSED_PATTERNS = new WeakMap<ServiceRouteRule, Segment[] | null>();

function parsedPattern(rule: ServiceRouteRule): Segment[] | null {
  let segments = PARSED_PATTERNS.get(rule);
  if (segments === undefined) PARSED_PATTERNS.set(rule, (segments = parsePattern(rule.pathPattern)));
  return segments;
}

function parsePattern(pattern: string): Segment[] | null {
  if (pathPatternProblem(pattern) !== null) return null;
  return splitPath(pattern).map((part): Segment => {
    if (part === "*") return { kind: "rest" };
    if (part.startsWith(":")) return { kind: "param", name: part.slice(1) };
    return { kind: "literal", value: part };
  });
}

function matchSegments(segments: readonly Segment[], parts: readonly string[], ignoreCase: boolean): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if (segment.kind === "rest") {
      params["*"] = parts.slice(index).join("/");
      return params;
    }
    const part = parts[index];
    if (part === undefined) return null;
    if (segment.kind === "literal" && (ignoreCase ? segment.value.toLowerCase() !== part.toLowerCase() : segment.value !== part))
      return null;
    if (segment.kind === "param") params[segment.name] = part;
  }
  return parts.length === segments.length ? params : null;
}

const isDotSegment = (part: string): boolean => part === "." || part === "..";
const withoutPathParameters = (path: string): string =>
  path
    .split("/")
    .map((part) => part.split(";", 1)[0])
    .join("/");
const splitPath = (path: string): string[] => path.split("/").filter((part) => part !== "");
