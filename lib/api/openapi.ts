import { z } from "zod";

import { SCOPES } from "../tokens/scopes";
import { leakReportSchema, MAX_LEAK_CANDIDATES } from "../validations/incident";
import { ENDPOINTS, OPENAPI_PATH, OPENAPI_SOCKET_PATH, type EndpointSpec } from "./endpoints";
import { errorResponseSchema } from "./errors";
import { LEAKED_TOKENS_PATH } from "./leaked-tokens";

// /v0/openapi.json, generated from the endpoint table and its zod schemas (OpenAPI 3.1 uses
// JSON Schema 2020-12, which z.toJSONSchema produces).

type JsonSchema = Record<string, unknown>;

const ERROR_RESPONSES: Record<string, string> = {
  "400": "Invalid input (wrong type, missing field, value out of range, unparsable body); details.issues names each field",
  "401": "Missing, malformed, unknown, disabled, revoked, expired or rotated-out token",
  "403": "The token lacks the scope this endpoint needs (details.requiredScope)",
  "404": "Unknown resource, or another organization's",
  "409": "Conflict",
  "413": "Request body too large",
  "429": "Quota exhausted; Retry-After gives the seconds to the next window",
};

export function buildOpenApiDocument(): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  // Schemas with a meta id become components; zod emits them as local $defs, moved here.
  const schema = (type: z.ZodType, io: "input" | "output"): JsonSchema => {
    const json = z.toJSONSchema(type, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
    const rewritten = JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
    const { $defs, $schema: _dialect, ...rest } = rewritten as JsonSchema & { $defs?: Record<string, JsonSchema> };
    Object.assign(components, $defs ?? {});
    return rest;
  };

  schema(errorResponseSchema, "output");
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, spec] of Object.entries(ENDPOINTS) as [string, EndpointSpec][]) {
    const path = spec.path;
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = operation(operationId, spec, schema);
  }
  const openApiOperation = (operationId: string, summary: string) => ({
    get: {
      operationId,
      summary,
      tags: ["Account"],
      security: [],
      responses: { "200": { description: "OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } } },
    },
  });
  paths[OPENAPI_PATH] = openApiOperation("getOpenApi", "This document");
  paths[OPENAPI_SOCKET_PATH] = openApiOperation("getOpenApiSocketPath", "This document, at Socket's path");

  paths[LEAKED_TOKENS_PATH] = { post: leakedTokensOperation(schema) };

  return {
    openapi: "3.1.0",
    info: {
      title: "Keyward REST API",
      version: "0",
      description:
        'Socket v0-compatible API. Authenticate with `Authorization: Basic base64("<token>:")` (token as user name, empty password) or `Authorization: Bearer <token>`. Each endpoint lists its scope (a parent scope grants its children) and quota cost.',
    },
    servers: [{ url: "/" }],
    security: [{ basicAuth: [] }, { bearerAuth: [] }],
    tags: [
      { name: "Account" },
      { name: "Repositories" },
      { name: "Reports" },
      { name: "API tokens" },
      { name: "Audit log" },
      { name: "Telemetry" },
      { name: "Webhooks" },
      { name: "Secret scanning" },
    ],
    paths,
    components: {
      securitySchemes: {
        basicAuth: { type: "http", scheme: "basic", description: "The token as user name, empty password" },
        bearerAuth: { type: "http", scheme: "bearer" },
      },
      schemas: components,
    },
    "x-scopes": SCOPES.map((scope) => ({ name: scope.name, description: scope.description, parent: scope.parent })),
  };
}

function operation(operationId: string, spec: EndpointSpec, schema: (type: z.ZodType, io: "input" | "output") => JsonSchema) {
  const parameters: unknown[] = [];
  for (const match of spec.path.matchAll(/\{(\w+)\}/g)) {
    parameters.push({ name: match[1], in: "path", required: true, schema: { type: "string" } });
  }
  if (spec.query) {
    const query = schema(spec.query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(query.properties ?? {})) {
      parameters.push({ name, in: "query", required: query.required?.includes(name) ?? false, schema: property });
    }
  }
  const requestBody = spec.body
    ? {
        required: spec.body.kind === "multipart",
        content: {
          [spec.body.kind === "json" ? "application/json" : "multipart/form-data"]: { schema: schema(spec.body.schema, "input") },
        },
      }
    : undefined;
  const errors = Object.fromEntries(
    Object.entries(ERROR_RESPONSES)
      .filter(
        ([status]) =>
          (status !== "403" || spec.scope) &&
          (status !== "409" || spec.conflict) &&
          (status !== "413" || spec.body) &&
          (status !== "429" || spec.cost > 0),
      )
      .map(([status, description]) => [
        status,
        {
          description: status === "409" ? spec.conflict : description,
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      ]),
  );
  return {
    operationId,
    summary: spec.summary,
    description: `Scope: ${spec.scope ?? "none (any valid token)"}. Quota cost: ${spec.cost} unit${spec.cost === 1 ? "" : "s"}.`,
    tags: [spec.tag],
    "x-scope": spec.scope,
    "x-quota-cost": spec.cost,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(spec.successStatus ?? 200)]: {
        description: "Success",
        content: { "application/json": { schema: schema(spec.response, "output") } },
      },
      ...errors,
    },
  };
}

/** For secret scanners: no token, limited per address, and the same answer whatever matched. */
function leakedTokensOperation(schema: (type: z.ZodType, io: "input" | "output") => JsonSchema) {
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  return {
    operationId: "postLeakedTokens",
    summary: "Report leaked token values",
    description: `For secret scanners. No token needed; rate-limited per client address. Up to ${MAX_LEAK_CANDIDATES} candidates: an array of scanner matches ({ token, type, url, source }) or { tokens, url, source }. The answer is the same whether or not anything matched; live matches are disabled or flagged per their organization's policy.`,
    tags: ["Secret scanning"],
    security: [],
    requestBody: { required: true, content: { "application/json": { schema: schema(leakReportSchema, "input") } } },
    responses: {
      "202": {
        description: "Received (says nothing about matches)",
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: { received: { type: "integer" }, message: { type: "string" } },
              required: ["received", "message"],
            },
          },
        },
      },
      "400": error("Malformed body or more candidates than allowed"),
      "413": error("Request body too large"),
      "415": error("Not application/json"),
      "429": error("Too many reports from this address; Retry-After gives the seconds to wait"),
    },
  };
}
