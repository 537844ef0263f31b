import { isStorableText } from "../validations/text";
import { ENDPOINTS, type EndpointId, type EndpointSpec } from "./endpoints";

export type RouteMatch =
  | { kind: "found"; id: EndpointId; spec: EndpointSpec; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "none" };

type CompiledRoute = { id: EndpointId; spec: EndpointSpec; segments: string[]; literals: number };

const ROUTES: CompiledRoute[] = (Object.entries(ENDPOINTS) as [EndpointId, EndpointSpec][]).map(([id, spec]) => {
  const segments = spec.path.split("/").slice(1);
  return { id, spec, segments, literals: segments.filter((segment) => !segment.startsWith("{")).length };
});

/** Matches a request path (already without the query string) against the endpoint table. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const segments = (pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname).split("/").slice(1);
  // A literal segment beats a parameter: `/repos/labels` is the label list, never a repository
  // named "labels". Only the routes with the most literal segments among those that match count.
  let found: RouteMatch | null = null;
  let allowed: string[] = [];
  let bestLiterals = -1;
  for (const route of ROUTES) {
    const params = matchSegments(route.segments, segments);
    if (!params) continue;
    if (route.literals < bestLiterals) continue;
    if (route.literals > bestLiterals) {
      bestLiterals = route.literals;
      found = null;
      allowed = [];
    }
    if (route.spec.method === method) {
      // All literal: nothing can match more closely.
      if (route.literals === route.segments.length) return { kind: "found", id: route.id, spec: route.spec, params };
      found ??= { kind: "found", id: route.id, spec: route.spec, params };
    }
    allowed.push(route.spec.method);
  }
  if (found) return found;
  return allowed.length > 0 ? { kind: "wrong-method", allowed: [...new Set(allowed)] } : { kind: "none" };
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  let params: Record<string, string> | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected.startsWith("{")) {
      let value: string;
      try {
        value = decodeURIComponent(actual[i]);
      } catch {
        return null;
      }
      // A NUL (%00) names nothing: no id or slug holds one, and PostgreSQL refuses it in a query.
      if (value === "" || !isStorableText(value)) return null;
      (params ??= {})[expected.slice(1, -1)] = value;
    } else if (expected !== actual[i]) {
      return null;
    }
  }
  return params ?? {};
}
