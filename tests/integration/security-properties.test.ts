import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ENDPOINTS, type EndpointSpec } from "@/lib/api/endpoints";
import { db } from "@/lib/db/client";
import { incidentRunsSettled } from "@/lib/db/incidents/run";
import { listAuditEvents } from "@/lib/db/queries/audit";
import { hasInvisible } from "@/lib/format/visible-text";
import { JSON_TOO_DEEP_MESSAGE } from "@/lib/validations/json-depth";

import { invokeAction, serverActionsInCode, toFormData, type ServerAction } from "../security/actions";
import { deeplyNestedJson, deeplyNestedValue, hostileString, hostileValue, LEAK_PATTERN, mutatedInput } from "../security/hostile";
import { ACTIONS, API_ROUTES, createApiWorld, type ApiRequest } from "../security/registry";
import { actAsCaller, createWorld, TOKEN_VALUE_PATTERN, withoutNewRefusalRecords, withoutQuotaOf, worldSnapshot } from "../security/world";
import { basicAuth, startApiServer, type TestApiServer } from "../support/api";

// Property-based bad input (fast-check, bounded runs): every server action and every API route
// gets random and hostile values in its fields, wrong shapes, wrong content types and huge bodies.
// Whatever comes in: no exception (a 500 in production), no stack trace or internal name in the
// answer, and a refusal changes nothing. A failing run prints its seed and the shrunk input.

const ACTION_RUNS = 12;
const API_RUNS = 15;
const REFUSALS = new Set(["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN", "INVALID", "CONFLICT", "refused"]);

let actions: Map<string, ServerAction>;
let server: TestApiServer;

beforeAll(async () => {
  actions = await serverActionsInCode();
  server = await startApiServer();
});

afterAll(async () => {
  await server.close();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await db.incident.count({ where: { status: "RUNNING", leaseUntil: { gt: new Date() } } })) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

describe("server actions with hostile input, as an org admin", () => {
  // Either the real input with hostile fields, or something that is not an input object at all.
  const argument = (valid: Record<string, unknown>) =>
    fc.oneof(
      { weight: 4, arbitrary: mutatedInput(valid).map((input) => ({ input })) },
      { weight: 1, arbitrary: hostileValue.map((raw) => ({ raw })) },
    );

  it.each(Object.entries(ACTIONS))("%s never fails, never leaks, and a refusal changes nothing", async (id, entry) => {
    const action = actions.get(id)!;
    const world = await createWorld();
    const valid = { ...(await entry.input(world)), ...(entry.public ? {} : { orgSlug: world.a.org.slug }) };
    await fc.assert(
      fc.asyncProperty(argument(valid), async (arg) => {
        await actAsCaller(world, "admin");
        // A bulk operation an earlier run started finishes in the background: not this call's change.
        await incidentRunsSettled();
        const before = await worldSnapshot(world);
        const payload = "raw" in arg ? arg.raw : entry.form ? toFormData(arg.input) : arg.input;
        const call = await invokeAction(action, payload as Record<string, unknown>, entry.form);
        expect(call.error, String(call.error)).toBeUndefined();
        const answer = JSON.stringify(call.result ?? null);
        expect(answer).not.toMatch(LEAK_PATTERN);
        const after = await worldSnapshot(world);
        if (REFUSALS.has(call.outcome)) {
          expect(after).toEqual(before);
          // A refusal may name the caller's own fields back, never a value it did not send.
          const sent = JSON.stringify("raw" in arg ? arg.raw : arg.input) ?? "";
          for (const [value] of answer.matchAll(new RegExp(TOKEN_VALUE_PATTERN, "g"))) expect(sent).toContain(value);
        } else if (!entry.mayChange?.admin?.includes("b")) {
          expect(after.b).toEqual(before.b);
        }
      }),
      { numRuns: ACTION_RUNS },
    );
  });
});

describe("server actions with input nested thousands of levels deep", () => {
  // Sign-out reads no input: it signs the caller out whatever is sent.
  const takingInput = Object.entries(ACTIONS).filter(([id]) => id !== "session#signOutAction");
  it.each(takingInput)("%s refuses it without failing and changes nothing", async (id, entry) => {
    const action = actions.get(id)!;
    const world = await createWorld();
    const valid = { ...(await entry.input(world)), ...(entry.public ? {} : { orgSlug: world.a.org.slug }) };
    const fields = [...Object.keys(valid).filter((key) => key !== "orgSlug"), "extra"];
    await actAsCaller(world, "admin");
    const before = await worldSnapshot(world);
    for (const kind of ["arrays", "objects"] as const) {
      const input = { ...valid, ...Object.fromEntries(fields.map((field) => [field, deeplyNestedValue(kind, 20_000)])) };
      const call = await invokeAction(action, input, entry.form);
      expect(call.error, String(call.error)).toBeUndefined();
      expect(REFUSALS.has(call.outcome) || call.outcome === "redirect", call.outcome).toBe(true);
      // The org-action wrapper names each field; public actions refuse with their own schema.
      if (!entry.public)
        expect((call.result as { errors: Record<string, string[]> }).errors).toEqual(
          Object.fromEntries(fields.map((field) => [field, [JSON_TOO_DEEP_MESSAGE]])),
        );
    }
    expect(await worldSnapshot(world)).toEqual(before);
  });
});

describe("unicode and control characters in names", () => {
  it("a name with control characters is a field error; any other name is kept as typed and shown escaped in the audit log", async () => {
    const create = actions.get("tokens#createTokenAction")!;
    const world = await createWorld();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileString,
          fc.constantFrom("deploy\u202Egnp.exe", "ci\u200Btoken", "line\u2028break", "nul\u0000", "half \uD83D pair", "emoji 👩‍💻 ok"),
        ),
        async (name) => {
          await actAsCaller(world, "admin");
          const call = await invokeAction(create, {
            orgSlug: world.a.org.slug,
            name,
            scopes: ["report:read"],
            visibility: "ADMIN_ONLY",
            quotaMax: "10",
            quotaWindow: "DAILY",
            expiresAt: "",
            createAnyway: "true",
          });
          const trimmed = name.trim();
          // Control characters and lone surrogates (not text any database keeps as typed) are refused.
          if (/[\p{Cc}\p{Cs}]/u.test(trimmed) || trimmed === "" || trimmed.length > 100) {
            expect(call.outcome).toBe("INVALID");
            expect((call.result as { errors: Record<string, string[]> }).errors.name).toBeTruthy();
            return;
          }
          expect(call.outcome, JSON.stringify(call.result)).toBe("ok");
          const tokenId = (call.result as { data: { tokenId: string } }).data.tokenId;
          expect((await db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).name).toBe(trimmed);
          const [event] = (await listAuditEvents(world.a.org.id, { token: tokenId, page: 1, size: 10 })).rows;
          expect(event?.action).toBe("token.created");
          const shown = [event!.targetName ?? "", event!.actorLabel, JSON.stringify(event!.metadata)];
          for (const text of shown) expect(hasInvisible(text), text).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** Percent-encodes a path segment; a lone surrogate becomes the invalid UTF-8 bytes a raw client could send. */
function encodeSegment(segment: string): string {
  try {
    return encodeURIComponent(segment);
  } catch {
    return "%ED%A0%80";
  }
}

describe("NUL and lone surrogates (%00, a JSON \\u0000 or \\ud800 escape) never reach the database", () => {
  it("the API refuses them in any body field with 400 and changes nothing", async () => {
    const world = await createApiWorld(await createWorld());
    const before = await worldSnapshot(world);
    for (const body of ['{"name":"a\\ud800"}', '{"name":"ok","committer":{"email":"\\udfff"}}', '{"name":"a\\u0000b"}']) {
      const response = await fetch(`${server.url}/v0/orgs/${world.a.org.slug}/tokens`, {
        method: "POST",
        headers: { authorization: basicAuth(world.tokens.admin.value), "content-type": "application/json" },
        body,
      });
      expect(response.status, await response.text()).toBe(400);
    }
    expect(withoutQuotaOf(await worldSnapshot(world), world.tokens.admin.id)).toEqual(withoutQuotaOf(before, world.tokens.admin.id));
  });

  it("the API answers a NUL in a path id or a query value with 4xx, never a failed query", async () => {
    const world = await createApiWorld(await createWorld());
    const auth = { authorization: basicAuth(world.tokens.admin.value) };
    const slug = world.a.org.slug;
    const cases: [string, string, unknown][] = [
      ["POST", `/v0/orgs/${slug}/tokens/a%00b/rotate`, {}],
      ["GET", `/v0/report/view/%00`, undefined],
      ["GET", `/v0/orgs/${slug}/repos?workspace=%00`, undefined],
      ["GET", `/v0/report/list?repo=a%00`, undefined],
      ["POST", `/v0/orgs/${slug}/api-tokens/revoke`, { uuid: "a\u0000" }],
      ["POST", `/v0/orgs/${slug}/api-tokens/revoke`, { id: "\u0000" }],
      ["POST", "/v0/leaked-tokens", { tokens: ["x"], url: "\u0000" }],
    ];
    for (const [method, path, json] of cases) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...auth, ...(json ? { "content-type": "application/json" } : {}) },
        body: json ? JSON.stringify(json) : undefined,
      });
      expect(response.status, `${method} ${path}: ${await response.text()}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
    }
  });

  it("a server action or page naming an org slug with a NUL finds nothing; any other field with one is a field error", async () => {
    const world = await createWorld();
    await actAsCaller(world, "admin");
    const disable = actions.get("tokens#disableTokenAction")!;
    expect(
      (await invokeAction(disable, { orgSlug: `${world.a.org.slug}\u0000`, tokenId: "00000000-0000-4000-8000-000000000000" })).outcome,
    ).toBe("NOT_FOUND");
    const lookup = await invokeAction(actions.get("incidents#lookupTokenAction")!, { orgSlug: world.a.org.slug, text: "kw_\u0000" });
    expect(lookup.outcome).toBe("INVALID");
    const { getOrgAccess } = await import("@/lib/auth/org-access");
    expect(await getOrgAccess(`${world.a.org.slug}\u0000`)).toBeNull();
  });

  it("a server action refuses them in any field as a field error", async () => {
    const world = await createWorld();
    await actAsCaller(world, "admin");
    const before = await worldSnapshot(world);
    const call = await invokeAction(actions.get("members#updateGithubJoinSetting")!, { orgSlug: world.a.org.slug, githubOrg: "x\uD800" });
    expect(call.outcome).toBe("INVALID");
    expect((call.result as { errors: Record<string, string[]> }).errors).toEqual({ githubOrg: [expect.stringMatching(/not valid text/)] });
    expect(await worldSnapshot(world)).toEqual(before);
  });
});

describe("API routes with hostile input, as an all-scope token of the org", () => {
  const CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-16",
    "",
    "\u00ff/\u00ff",
  ];

  async function send(request: ApiRequest, token: string, overrides: { body?: string; contentType?: string; query?: string }) {
    const headers: Record<string, string> = { authorization: basicAuth(token) };
    let body: BodyInit | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers["content-type"] = "application/json";
    }
    if (overrides.body !== undefined) body = overrides.body;
    if (overrides.contentType !== undefined) headers["content-type"] = overrides.contentType.replace(/[^\x20-\x7e]/g, "?");
    const path = overrides.query ? `${request.path}${request.path.includes("?") ? "&" : "?"}${overrides.query}` : request.path;
    const response = await fetch(`${server.url}${path}`, {
      method: request.method,
      headers,
      body: request.method === "GET" ? undefined : body,
    });
    return { status: response.status, text: await response.text() };
  }

  const request = fc.record({
    body: fc.option(
      fc.oneof(
        hostileValue.map((v) => JSON.stringify(v) ?? "null"),
        hostileString,
      ),
      { freq: 2 },
    ),
    mutate: fc.boolean(),
    mutation: fc.dictionary(
      fc.constantFrom(
        "name",
        "scopes",
        "max_quota",
        "visibility",
        "quota_window",
        "expires_at",
        "uuid",
        "id",
        "token",
        "hash",
        "grace_seconds",
      ),
      hostileValue,
      { maxKeys: 3 },
    ),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 3 }),
    query: fc.option(
      // Short enough for Node's 16 KiB header limit (longer URLs: see the test below).
      fc
        .dictionary(
          fc.constantFrom(
            "page",
            "per_page",
            "direction",
            "sort",
            "token_values",
            "repo",
            "from",
            "include_archived",
            "workspace",
            "branch",
          ),
          hostileString,
          { maxKeys: 3 },
        )
        .map((q) => new URLSearchParams(q).toString().slice(0, 4000)),
      { freq: 2 },
    ),
  });

  it.each(Object.entries(API_ROUTES))("%s answers below 500 with the error shape, and a refusal changes nothing", async (_id, entry) => {
    const world = await createApiWorld(await createWorld());
    const token = world.tokens.admin;
    await fc.assert(
      fc.asyncProperty(request, async ({ body, mutate, mutation, contentType, query }) => {
        const base = await entry.request(world);
        const json = mutate && base.json && typeof base.json === "object" ? { ...(base.json as object), ...mutation } : base.json;
        const before = await worldSnapshot(world);
        const response = await send({ ...base, json }, token.value, {
          body: body ?? undefined,
          contentType: contentType ?? undefined,
          query: query ?? undefined,
        });
        expect(response.status, response.text.slice(0, 300)).toBeLessThan(500);
        expect(response.text).not.toMatch(LEAK_PATTERN);
        const after = await worldSnapshot(world);
        if (response.status >= 400) {
          expect(JSON.parse(response.text)).toMatchObject({ error: { message: expect.any(String) } });
          // A refused change of tokens by a token is recorded; nothing else changes.
          expect(withoutQuotaOf(withoutNewRefusalRecords(after, before), token.id)).toEqual(withoutQuotaOf(before, token.id));
        } else {
          expect(withoutQuotaOf(after, token.id).b).toEqual(withoutQuotaOf(before, token.id).b);
        }
      }),
      { numRuns: API_RUNS },
    );
  });

  it("random paths under /v0/ (unicode, encoded slashes, dot segments) answer below 500", async () => {
    const world = await createApiWorld(await createWorld());
    const segment = fc.oneof(
      hostileString,
      fc.constantFrom("..", ".", "%2F", "%00", "%ZZ", "orgs", world.a.org.slug, "tokens", "api-tokens", "report", "view"),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
        async (segments, method) => {
          const path = "/v0/" + segments.map((s) => (/^%|^\.{1,2}$/.test(s) ? s : encodeSegment(s).slice(0, 2000))).join("/");
          const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: basicAuth(world.tokens.admin.value) } });
          const text = await response.text();
          expect(response.status, `${method} ${path.slice(0, 200)} → ${text.slice(0, 200)}`).toBeLessThan(500);
          expect(text).not.toMatch(LEAK_PATTERN);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a URL beyond the header limit is refused by the HTTP server with a 4xx, and the server keeps serving", async () => {
    const world = await createApiWorld(await createWorld());
    const response = await fetch(`${server.url}/v0/quota?q=${"x".repeat(20_000)}`, {
      headers: { authorization: basicAuth(world.tokens.admin.value) },
    });
    expect(response.status).toBe(431);
    expect((await fetch(`${server.url}/v0/quota`, { headers: { authorization: basicAuth(world.tokens.admin.value) } })).status).toBe(200);
  });

  it("random Authorization headers get 401, never more", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme-ascii", maxLength: 300 }),
        fc.constantFrom("Basic ", "Bearer ", "", "Token "),
        async (value, scheme) => {
          const header = (scheme + value).replace(/[^\x20-\x7e]/g, "").trim();
          const response = await fetch(`${server.url}/v0/quota`, { headers: header ? { authorization: header } : {} });
          expect(response.status).toBe(401);
        },
      ),
      { numRuns: 100 },
    );
  });

  const jsonRoutes = Object.entries(API_ROUTES).filter(
    ([id]) => (ENDPOINTS[id as keyof typeof ENDPOINTS] as EndpointSpec).body?.kind === "json",
  );

  // Each endpoint's own body limit (64 KiB for most; telemetry events take less).
  const bodyLimitOf = (id: string) => (ENDPOINTS[id as keyof typeof ENDPOINTS] as EndpointSpec).body!.maxBytes;

  it.each(jsonRoutes)("%s refuses a body nested thousands of levels deep with 400 and changes nothing", async (id, entry) => {
    const world = await createApiWorld(await createWorld());
    const base = await entry.request(world);
    const before = await worldSnapshot(world);
    for (const body of [deeplyNestedJson("arrays", bodyLimitOf(id)), deeplyNestedJson("objects", bodyLimitOf(id))]) {
      const response = await send(base, world.tokens.admin.value, { body, contentType: "application/json" });
      expect(response.status, response.text.slice(0, 300)).toBe(400);
      expect(JSON.parse(response.text)).toEqual({ error: { message: JSON_TOO_DEEP_MESSAGE, details: null } });
    }
    expect(withoutQuotaOf(await worldSnapshot(world), world.tokens.admin.id)).toEqual(withoutQuotaOf(before, world.tokens.admin.id));
  });

  it.each(jsonRoutes)("%s refuses a body over the limit with 413 before reading it all", async (id, entry) => {
    const world = await createApiWorld(await createWorld());
    const base = await entry.request(world);
    const before = await worldSnapshot(world);
    const huge = JSON.stringify({ name: "x".repeat(bodyLimitOf(id) + 1) });
    const response = await send(base, world.tokens.admin.value, { body: huge });
    expect(response.status).toBe(413);
    expect(withoutQuotaOf(await worldSnapshot(world), world.tokens.admin.id)).toEqual(withoutQuotaOf(before, world.tokens.admin.id));
  });
});
