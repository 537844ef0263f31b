import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ENDPOINTS, type EndpointId, type EndpointSpec } from "@/lib/api/endpoints";
import { db } from "@/lib/db/client";
import { SCOPES, type Scope } from "@/lib/tokens";

import { callApi, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { createTestOrg } from "../support/request-as";

// Every endpoint × {exact scope, parent scope, sibling scope, no scope}: a parent grants its
// children; a sibling or nothing is refused with 403 and costs nothing.

let server: TestApiServer;
let org: { id: string; slug: string };
let reportId: string;

beforeAll(async () => {
  server = await startApiServer();
  ({ org } = await createTestOrg("scopes"));
  reportId = randomBytes(16).toString("hex");
  await db.report.create({ data: { id: reportId, orgId: org.id, repo: "web" } });
});

afterAll(async () => {
  await server.close();
});

type Request = { method: string; path: string; json?: unknown; body?: BodyInit };

/** A well-formed call of each endpoint; token targets are fresh scope-less tokens, which any caller covers. */
async function requestFor(id: EndpointId): Promise<Request> {
  const target = async () => (await insertToken(org.id, { scopes: [] })).tokenId;
  const spec = ENDPOINTS[id];
  const path = spec.path.replace("{org}", org.slug).replace("{id}", id === "getReport" ? reportId : "{id}");
  switch (id) {
    case "createReport": {
      const form = new FormData();
      form.append("package.json", new Blob(["{}"]), "package.json");
      return { method: "PUT", path, body: form };
    }
    case "postAPIToken":
    case "postOrgApiToken":
      return { method: "POST", path, json: { name: "scoped", scopes: [] } };
    case "postAPITokenUpdate":
    case "postAPITokensRotate":
    case "postAPITokensRevoke":
      return { method: "POST", path: path.replace("{id}", await target()), json: id === "postAPITokenUpdate" ? { name: "renamed" } : {} };
    case "postOrgApiTokenUpdate":
      return { method: "POST", path, json: { uuid: await target(), name: "renamed" } };
    case "postOrgApiTokenRotate":
    case "postOrgApiTokenRevoke":
      return { method: "POST", path, json: { uuid: await target() } };
    case "createOrgRepo":
      return { method: "POST", path, json: { name: `scoped-${randomBytes(4).toString("hex")}` } };
    case "getOrgRepo":
    case "updateOrgRepo":
    case "deleteOrgRepo":
      return {
        method: spec.method,
        path: path.replace("{repo}", (await freshRepo()).slug),
        json: id === "updateOrgRepo" ? { description: "x" } : undefined,
      };
    case "createOrgRepoLabel":
      return { method: "POST", path, json: { name: `scoped-${randomBytes(4).toString("hex")}` } };
    case "getOrgRepoLabel":
    case "updateOrgRepoLabel":
    case "deleteOrgRepoLabel":
      return {
        method: spec.method,
        path: path.replace("{label_id}", await freshLabel()),
        json: id === "updateOrgRepoLabel" ? { name: `renamed-${randomBytes(4).toString("hex")}` } : undefined,
      };
    case "associateOrgRepoLabel":
    case "disassociateOrgRepoLabel":
      return { method: "POST", path: path.replace("{label_id}", await freshLabel()), json: { repository_id: (await freshRepo()).id } };
    case "createOrgWebhook":
      return { method: "POST", path, json: WEBHOOK_BODY };
    case "getOrgWebhook":
    case "deleteOrgWebhook":
      return { method: spec.method, path: path.replace("{id}", await webhook()) };
    case "updateOrgWebhook":
      return { method: "PUT", path: path.replace("{id}", await webhook()), json: { name: "renamed" } };
    default:
      return { method: spec.method, path };
  }
}

async function freshRepo() {
  const slug = `target-${randomBytes(4).toString("hex")}`;
  return db.repo.create({ data: { orgId: org.id, slug, name: slug }, select: { id: true, slug: true } });
}

async function freshLabel() {
  return (await db.repoLabel.create({ data: { orgId: org.id, name: `label-${randomBytes(4).toString("hex")}` } })).id;
}

const WEBHOOK_BODY = { name: "scoped", url: "https://hooks.example.com/k", secret: "scope-test-secret-123456", events: ["token.revoked"] };

/** A webhook of the org, made through an all-webhooks token (a scope check needs a target to reach). */
async function webhook(): Promise<string> {
  const maker = await insertToken(org.id, { scopes: ["webhooks"] });
  const created = await callApi(server.url, `/v0/orgs/${org.slug}/webhooks`, { token: maker.value, method: "POST", json: WEBHOOK_BODY });
  return created.body.id as string;
}

const parentOf = (scope: Scope) => SCOPES.find((s) => s.name === scope)!.parent!;

/** Another child of the same parent, or (for an only child) a scope of another family. */
function siblingOf(scope: Scope): Scope {
  const parent = parentOf(scope);
  const sibling = SCOPES.find((s) => s.parent === parent && s.name !== scope);
  return sibling?.name ?? (parent === "report" ? "repo:list" : "report:read");
}

const scoped = (Object.entries(ENDPOINTS) as [EndpointId, (typeof ENDPOINTS)[EndpointId]][]).filter(([, spec]) => spec.scope !== null);
const open = (Object.entries(ENDPOINTS) as [EndpointId, (typeof ENDPOINTS)[EndpointId]][]).filter(([, spec]) => spec.scope === null);

const cases = scoped.flatMap(([id, spec]) => {
  const scope = spec.scope as Scope;
  return [
    { id, label: `exact (${scope})`, scopes: [scope], allowed: true },
    { id, label: `parent (${parentOf(scope)})`, scopes: [parentOf(scope)], allowed: true },
    { id, label: `sibling (${siblingOf(scope)})`, scopes: [siblingOf(scope)], allowed: false },
    { id, label: "no scope", scopes: [] as Scope[], allowed: false },
  ];
});

describe("scope checks", () => {
  it.each(cases)("$id with $label → $allowed", async ({ id, scopes, allowed }) => {
    const caller = await insertToken(org.id, { scopes, quotaMax: 1_000 });
    const request = await requestFor(id);
    const response = await callApi(server.url, request.path, {
      token: caller.value,
      method: request.method,
      json: request.json,
      body: request.body,
    });
    const remaining = (await db.apiToken.findUniqueOrThrow({ where: { id: caller.tokenId } })).quotaRemaining;
    if (allowed) {
      expect(response.status, JSON.stringify(response.body)).toBe((ENDPOINTS[id] as EndpointSpec).successStatus ?? 200);
      expect(remaining).toBe(1_000 - ENDPOINTS[id].cost);
    } else {
      expect(response.status).toBe(403);
      expect(response.body.error.details).toEqual({ requiredScope: ENDPOINTS[id].scope });
      expect(remaining).toBe(1_000);
    }
  });

  it.each(open.map(([id]) => id))("%s needs no scope", async (id) => {
    const caller = await insertToken(org.id, { scopes: [] });
    const request = await requestFor(id);
    const response = await callApi(server.url, request.path, { token: caller.value, method: request.method });
    expect(response.status).toBe(200);
  });
});
