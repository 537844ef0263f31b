import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ENDPOINTS, OPENAPI_PATH, OPENAPI_SOCKET_PATH, type EndpointSpec } from "@/lib/api/endpoints";
import { LEAKED_TOKENS_PATH } from "@/lib/api/leaked-tokens";
import { VERIFY_PATH } from "@/lib/api/verify";
import { GATEWAY_PREFIX } from "@/lib/gateway/path";

import {
  API_CALLERS,
  API_ROUTES,
  API_UNROUTED,
  createApiWorld,
  ROUTE_HANDLERS,
  type ApiCaller,
  type ApiRequest,
  type ApiWorld,
} from "../security/registry";
import {
  actAsCaller,
  CALLERS,
  createWorld,
  TOKEN_VALUE_PATTERN,
  withoutQuotaOf,
  worldSnapshot,
  type WorldSnapshot,
} from "../security/world";
import { basicAuth, startApiServer, type TestApiServer } from "../support/api";

// The authorization matrix of the REST API (the handler lib/server/http-server.ts serves for
// /v0/, on a real HTTP server) and of the route handlers under app/: every route × every kind of
// caller, each checked for its status and for what changed.

const ROOT = join(import.meta.dirname, "../..");
let server: TestApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server.close();
});

async function send(request: ApiRequest, token: string | null) {
  const headers: Record<string, string> = { ...(request.headers ?? {}) };
  if (token) headers.authorization = basicAuth(token);
  let body: BodyInit | undefined = request.body;
  // fetch sends no body with GET (a method swap from a POST route).
  if (request.method === "GET") body = undefined;
  else if (request.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(request.json);
  }
  const response = await fetch(`${server.url}${request.path}`, { method: request.method, headers, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const tokenOf = (w: ApiWorld, caller: ApiCaller) => (caller === "signed out" ? null : w.tokens[caller].value);

/** What a caller outside org A must never read in an answer: A's tokens, values, report and repo names. */
function orgAIdentifiers(w: ApiWorld, snapshot: WorldSnapshot): string[] {
  return [
    w.a.org.id,
    w.reportA,
    "secret-repo-a",
    ...snapshot.a.tokens.flatMap((t) => [t.id, t.name]),
    ...snapshot.a.values.map((v) => v.hash),
  ];
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return routeFiles(path);
    return entry === "route.ts" ? [relative(ROOT, path)] : [];
  });
}

describe("the registry covers the code", () => {
  it("lists every API endpoint and every path the API handler answers before routing", () => {
    const inCode = [
      ...Object.keys(ENDPOINTS),
      OPENAPI_PATH,
      OPENAPI_SOCKET_PATH,
      LEAKED_TOKENS_PATH,
      VERIFY_PATH,
      `${GATEWAY_PREFIX}{service}/{path}`,
    ].sort();
    const listed = [...Object.keys(API_ROUTES), ...Object.keys(API_UNROUTED)].sort();
    expect(listed).toEqual(inCode);
  });

  it("lists every route handler under app/", () => {
    expect(Object.keys(ROUTE_HANDLERS).sort()).toEqual(routeFiles(join(ROOT, "app")).sort());
  });
});

const API_CELLS = Object.entries({ ...API_ROUTES, ...API_UNROUTED }).flatMap(([id, entry]) =>
  API_CALLERS.map((caller) => [id, caller, entry.expected[caller], entry] as const),
);

describe("every API route × every caller", () => {
  it.each(API_CELLS)("%s as %s → %i", async (_id, caller, expected, entry) => {
    const world = await createApiWorld(await createWorld());
    const request = await entry.request(world);
    const before = await worldSnapshot(world);

    const response = await send(request, tokenOf(world, caller));

    expect(response.status, response.text.slice(0, 300)).toBe(expected);
    expect(response.status).toBeLessThan(500);
    const after = await worldSnapshot(world);
    const callerTokenId = caller === "signed out" ? null : world.tokens[caller].id;
    if (expected >= 400) {
      // Refused before running (401, 403) costs nothing; a call that ran and found nothing of its
      // org (404) is charged like any processed call. Nothing else may change.
      const chargeable = expected === 404 ? callerTokenId : null;
      expect(withoutQuotaOf(after, chargeable), "a refused call changed something").toEqual(withoutQuotaOf(before, chargeable));
      expect(JSON.parse(response.text)).toEqual({ error: { message: expect.any(String), details: expect.toSatisfy(() => true) } });
    } else {
      // The caller's own quota pays for the call, whichever org the caller belongs to.
      const allowed = entry.mayChange?.[caller] ?? ["a"];
      for (const org of ["a", "b"] as const) {
        if (!allowed.includes(org)) {
          expect(withoutQuotaOf(after, callerTokenId)[org], `an allowed call changed org ${org.toUpperCase()}`).toEqual(
            withoutQuotaOf(before, callerTokenId)[org],
          );
        }
      }
    }
    if (caller !== "admin" && caller !== "member") {
      for (const secret of orgAIdentifiers(world, before)) expect(response.text).not.toContain(secret);
    }
    if (expected >= 400 || caller !== "admin") expect(response.text).not.toMatch(TOKEN_VALUE_PATTERN);
  });
});

describe("org B's objects in paths and bodies", () => {
  const cells = Object.entries(API_ROUTES).filter(([, entry]) => entry.foreignIds);

  it("covers every route that names a token, a repository, a label or a webhook", () => {
    expect(cells.map(([id]) => id).sort()).toEqual(
      (Object.entries(ENDPOINTS) as [string, EndpointSpec][])
        .filter(
          ([id, spec]) =>
            /Update|Rotate|Revoke/.test(id) || /\{repo\}|\{label_id\}/.test(spec.path) || /^(get|update|delete)OrgWebhook$/.test(id),
        )
        .map(([id]) => id)
        .sort(),
    );
  });

  it.each(cells)("%s with org A's token naming org B's token: 404, nothing changes", async (_id, entry) => {
    const world = await createApiWorld(await createWorld());
    const request = await entry.foreignIds!(world);
    const before = await worldSnapshot(world);
    const response = await send(request, world.tokens.admin.value);
    expect(response.status, response.text).toBe(404);
    // The call ran (and is charged to the caller); nothing else changes.
    const callerTokenId = world.tokens.admin.id;
    expect(withoutQuotaOf(await worldSnapshot(world), callerTokenId)).toEqual(withoutQuotaOf(before, callerTokenId));
    expect(response.text).not.toMatch(TOKEN_VALUE_PATTERN);
  });

  it("org A's token naming org A's slug but B's report: 404", async () => {
    const world = await createApiWorld(await createWorld());
    const other = await createApiWorld(await createWorld());
    const response = await send({ method: "GET", path: `/v0/report/view/${other.reportA}` }, world.tokens.admin.value);
    expect(response.status).toBe(404);
  });
});

describe("method swaps", () => {
  const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"];
  // Every routed path with a method it does not serve (DELETE for a GET route, GET for a POST…).
  const cells = Object.entries(API_ROUTES).flatMap(([id, entry]) => {
    const spec = ENDPOINTS[id as keyof typeof ENDPOINTS];
    const servedHere = Object.values(ENDPOINTS)
      .filter((other) => other.path === spec.path)
      .map((other) => other.method as string);
    return METHODS.filter((method) => !servedHere.includes(method)).map((method) => [id, method, servedHere, entry] as const);
  });

  it.each(cells)("%s by %s: 405 with Allow, nothing changes", async (_id, method, allowed, entry) => {
    const world = await createApiWorld(await createWorld());
    const request = await entry.request(world);
    const before = await worldSnapshot(world);
    const response = await send({ ...request, method }, world.tokens.admin.value);
    expect(response.status, response.text).toBe(405);
    expect(response.headers.get("allow")?.split(", ").sort()).toEqual([...allowed].sort());
    expect(await worldSnapshot(world)).toEqual(before);
  });
});

describe("mass assignment in API bodies", () => {
  const EXTRA = {
    org_id: "x",
    orgId: "x",
    role: "admin",
    quota_remaining: 999_999,
    remaining: 999_999,
    status: "active",
    created_by: "x",
    version: 1,
  };
  const bodyRoutes = Object.entries(API_ROUTES).filter(
    ([id]) => (ENDPOINTS[id as keyof typeof ENDPOINTS] as EndpointSpec).body?.kind === "json",
  );

  it.each(bodyRoutes)("%s refuses fields it does not take with 400 and changes nothing", async (_id, entry) => {
    const world = await createApiWorld(await createWorld());
    const request = await entry.request(world);
    const before = await worldSnapshot(world);
    const response = await send({ ...request, json: { ...(request.json as object), ...EXTRA } }, world.tokens.admin.value);
    expect(response.status, response.text).toBe(400);
    const fields = (JSON.parse(response.text) as { error: { details: { issues: { field: string }[] } } }).error.details.issues.map(
      (d) => d.field,
    );
    expect(fields.length).toBeGreaterThan(0);
    expect(await worldSnapshot(world)).toEqual(before);
  });
});

describe("route handlers × every caller", () => {
  const cells = Object.entries(ROUTE_HANDLERS).flatMap(([file, entry]) =>
    "call" in entry ? CALLERS.map((caller) => [file, caller, entry.expected[caller], entry] as const) : [],
  );

  it.each(cells)("%s as %s → %i", async (file, caller, expected, entry) => {
    const route = (await import(/* @vite-ignore */ join(ROOT, file))) as Record<
      string,
      (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>
    >;
    const world = await createWorld();
    const { request, params } = await entry.call(world);
    await actAsCaller(world, caller);
    const before = await worldSnapshot(world);
    const response = await route[entry.method]!(request, { params: Promise.resolve(params) });
    expect(response.status).toBe(expected);
    expect(response.headers.get("cache-control")).toContain("no-store");
    const text = await response.text();
    expect(text).not.toMatch(TOKEN_VALUE_PATTERN);
    const after = await worldSnapshot(world);
    if (entry.auditsOnSuccess && response.status === 200) {
      const added = after.a.audit.filter((event) => !before.a.audit.some((earlier) => earlier.id === event.id));
      expect(added.map((event) => event.action)).toEqual([entry.auditsOnSuccess]);
      after.a.audit = after.a.audit.filter((event) => !added.includes(event));
    }
    expect(after).toEqual(before);
  });
});
