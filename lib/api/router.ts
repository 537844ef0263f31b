import { isStorableText } from "../validations/text";
import { ENDPOINTS, type EndpointId, type EndpointSpec } from "./endpoints";

export type RouteMatch =
  | { kind: "found"; id: EndpointId; spec: EndpointSpec; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "none" };

type CompiledRoute = {
  id: EndpointId;
  spec: EndpointSpec;
  segments: string[];
  literals: number;
  // Positions of the literal and of the parameter segments, so literals are compared (cheap)
  // before any parameter is decoded.
  literalAt: number[];
  paramAt: { index: number; name: string }[];
};

function compile(id: EndpointId, spec: EndpointSpec): CompiledRoute {
  const segments = spec.path.split("/").slice(1);
  const literalAt: number[] = [];
  const paramAt: { index: number; name: string }[] = [];
  segments.forEach((segment, index) => {
    if (segment.startsWith("{")) paramAt.push({ index, name: segment.slice(1, -1) });
    else literalAt.push(index);
  });
  return { id, spec, segments, literals: literalAt.length, literalAt, paramAt };
}

// By segment count, most literal segments first (in table order among equals): the first routes
// that match are the closest matches, and the search stops at the first less literal one.
const ROUTES_BY_LENGTH = new Map<number, CompiledRoute[]>();
for (const [id, spec] of Object.entries(ENDPOINTS) as [EndpointId, EndpointSpec][]) {
  const route = compile(id, spec);
  const routes = ROUTES_BY_LENGTH.get(route.segments.length) ?? [];
  routes.push(route);
  ROUTES_BY_LENGTH.set(route.segments.length, routes);
}
for (const routes of ROUTES_BY_LENGTH.values()) routes.sort((a, b) => b.literals - a.literals);

const NO_ROUTE: RouteMatch = { kind: "none" };

/** Matches a request path (already without the query string) against the endpoint table. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const segments = (pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname).split("/").slice(1);
  const routes = ROUTES_BY_LENGTH.get(segments.length);
  if (!routes) return NO_ROUTE;
  // A literal segment beats a parameter: `/repos/labels` is the label list, never a repository
  // named "labels". Only the routes with the most literal segments among those that match count.
  let found: RouteMatch | null = null;
  const allowed: string[] = [];
  let bestLiterals = -1;
  for (const route of routes) {
    if (route.literals < bestLiterals) break;
    const params = matchSegments(route, segments);
    if (!params) continue;
    bestLiterals = route.literals;
    if (route.spec.method === method) found ??= { kind: "found", id: route.id, spec: route.spec, params };
    allowed.push(route.spec.method);
  }
  if (found) return found;
  return allowed.length > 0 ? { kind: "wrong-method", allowed: [...new Set(allowed)] } : NO_ROUTE;
}

function matchSegments(route: CompiledRoute, actual: string[]): Record<string, string> | null {
  for (const index of route.literalAt) if (route.segments[index] !== actual[index]) return null;
  const params: Record<string, string> = {};
  for (const { index, name } of route.paramAt) {
    let value: string;
    try {
      value = decodeURIComponent(actual[index]);
    } catch {
      return null;
    }
    // A NUL (%00) names nothing: no id or slug holds one, and PostgreSQL refuses it in a query.
    if (value === "" || !isStorableText(value)) return null;
    params[name] = value;
  }
  return params;
}
