import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { createTokenAction } from "@/lib/actions/tokens";
import { JSON_BODY_LIMIT } from "@/lib/api/endpoints";
import { db } from "@/lib/db/client";
import { JSON_TOO_DEEP_MESSAGE } from "@/lib/validations/json-depth";

import { deeplyNestedJson, deeplyNestedValue } from "../security/hostile";
import { callApi, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { actAs, createTestOrg } from "../support/request-as";

// JSON nested thousands of levels deep, at each body limit, used to overflow the stack of the
// walk that checks strings (a 500 and a stack trace in the log), with or without a token. It is
// refused with a 400 before anything walks it, and the server keeps serving.

/** The /v0/leaked-tokens body limit. */
const LEAK_REPORT_LIMIT = 1024 * 1024;
const TOO_DEEP = { error: { message: JSON_TOO_DEEP_MESSAGE, details: null } };

let server: TestApiServer;
const logged: unknown[][] = [];
let org: Awaited<ReturnType<typeof createTestOrg>>;

beforeAll(async () => {
  server = await startApiServer({ log: (...entry) => void logged.push(entry) });
  org = await createTestOrg("nested");
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const postJson = (path: string, body: string, token?: string) =>
  callApi(server.url, path, { method: "POST", token, body, headers: { "content-type": "application/json" } });

describe("deeply nested JSON bodies", () => {
  it.each(["arrays", "objects"] as const)(
    "POST /v0/leaked-tokens (no token) refuses %s nested to its 1 MiB limit with 400, and keeps serving",
    async (kind) => {
      const body = deeplyNestedJson(kind, LEAK_REPORT_LIMIT);
      expect(body.length).toBeGreaterThan(LEAK_REPORT_LIMIT - 8);
      const response = await postJson("/v0/leaked-tokens", body);
      expect(response).toMatchObject({ status: 400, body: TOO_DEEP });
      expect(logged).toEqual([]);

      const normal = await postJson("/v0/leaked-tokens", JSON.stringify([{ token: "kw_not-a-token", url: "https://example.test" }]));
      expect(normal.status).toBe(202);
    },
  );

  it.each(["arrays", "objects"] as const)(
    "POST /v0/orgs/{org}/tokens refuses %s nested to its 64 KiB limit with 400, creating nothing, and keeps serving",
    async (kind) => {
      const token = await insertToken(org.org.id, { scopes: ["api-tokens"] });
      const path = `/v0/orgs/${org.org.slug}/tokens`;
      const body = deeplyNestedJson(kind, JSON_BODY_LIMIT);
      expect(body.length).toBeGreaterThan(JSON_BODY_LIMIT - 8);
      const before = await db.apiToken.count({ where: { orgId: org.org.id } });

      const response = await postJson(path, body, token.value);
      expect(response).toMatchObject({ status: 400, body: TOO_DEEP });
      expect(logged).toEqual([]);
      expect(await db.apiToken.count({ where: { orgId: org.org.id } })).toBe(before);

      const normal = await postJson(path, JSON.stringify({ name: "after deep", scopes: [] }), token.value);
      expect(normal.status, JSON.stringify(normal.body)).toBe(200);
      expect(await db.apiToken.count({ where: { orgId: org.org.id } })).toBe(before + 1);
    },
  );

  it("takes a body exactly 32 levels deep, refuses 33, and does not count brackets inside strings", async () => {
    const token = await insertToken(org.org.id, { scopes: ["api-tokens"] });
    const path = `/v0/orgs/${org.org.slug}/tokens`;
    // `committer` is an object field (unknown keys inside it are dropped); the body itself is level 1.
    const withCommitter = (depth: number) =>
      `{"name":"deep committer","scopes":[],"committer":${'{"a":'.repeat(depth - 2)}{}${"}".repeat(depth - 2)}}`;
    const at32 = await postJson(path, withCommitter(32), token.value);
    expect(at32.status, JSON.stringify(at32.body)).toBe(200);
    expect(await postJson(path, withCommitter(33), token.value)).toMatchObject({ status: 400, body: TOO_DEEP });

    const bracketsInName = await postJson(path, JSON.stringify({ name: "[{".repeat(40) + '\\"]}', scopes: [] }), token.value);
    expect(bracketsInName.status, JSON.stringify(bracketsInName.body)).toBe(200);
    expect(logged).toEqual([]);
  });
});

describe("deeply nested server action input", () => {
  it.each(["arrays", "objects"] as const)(
    "a field of %s nested 20,000 deep is a field error, not a crash, and the next call works",
    async (kind) => {
      await actAs(org.admin);
      const consoleError = vi.spyOn(console, "error");
      const valid = {
        orgSlug: org.org.slug,
        name: "Nested",
        scopes: ["report:read"],
        visibility: "ADMIN_ONLY",
        quotaMax: "100",
        quotaWindow: "DAILY",
        expiresAt: "",
      };
      const before = await db.apiToken.count({ where: { orgId: org.org.id } });

      for (const field of ["scopes", "extra"]) {
        const result = await createTokenAction(undefined, { ...valid, [field]: deeplyNestedValue(kind, 20_000) });
        expect(result).toMatchObject({ ok: false, code: "INVALID", errors: { [field]: [JSON_TOO_DEEP_MESSAGE] } });
      }
      expect(consoleError).not.toHaveBeenCalled();
      expect(await db.apiToken.count({ where: { orgId: org.org.id } })).toBe(before);

      // A fresh name: the other case already created "Nested" (a repeated name asks first).
      expect(await createTokenAction(undefined, { ...valid, name: `Nested ${kind}` })).toMatchObject({ ok: true });
    },
  );
});
