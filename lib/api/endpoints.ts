import type { z } from "zod";

import type { Scope } from "../tokens/scopes";
import * as s from "./schemas";
import * as w from "./webhook-schemas";

// The REST API's endpoints as data: path, scope, quota cost and schemas. The request handler,
// the OpenAPI document and the dashboard's API page all read this one table.

export type BodySpec = { kind: "json"; schema: z.ZodType; maxBytes: number } | { kind: "multipart"; schema: z.ZodType; maxBytes: number };

export type EndpointSpec = {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Relative to the server root; `{name}` segments are path parameters. */
  path: string;
  summary: string;
  tag: "Account" | "Repositories" | "Reports" | "API tokens" | "Audit log" | "Telemetry" | "Webhooks";
  /** null: any valid token may call it. A parent scope (e.g. `report`) grants its children. */
  scope: Scope | null;
  /** Quota units charged for an authorized, well-formed call. */
  cost: number;
  query?: z.ZodType;
  body?: BodySpec;
  response: z.ZodType;
  /** The status of a successful call, when not 200 (Socket answers 201 to creations). */
  successStatus?: 201;
  /** What makes the call answer 409, for endpoints that can. */
  conflict?: string;
};

export const JSON_BODY_LIMIT = 64 * 1024;
export const UPLOAD_BODY_LIMIT = 10 * 1024 * 1024;
/** A telemetry event is small; it is only counted. */
export const TELEMETRY_BODY_LIMIT = 16 * 1024;

const json = <S extends z.ZodType>(schema: S) => ({ kind: "json" as const, schema, maxBytes: JSON_BODY_LIMIT });

function tokenEndpoints(prefix: "tokens" | "api-tokens") {
  const base = `/v0/orgs/{org}/${prefix}`;
  const alias = prefix === "api-tokens" ? " (api-tokens path)" : "";
  return {
    list: {
      method: "GET",
      path: base,
      summary: `List API tokens${alias}`,
      tag: "API tokens",
      scope: "api-tokens:list",
      cost: 10,
      query: s.tokenListQuery,
      response: s.tokenListResponse,
    },
    create: {
      method: "POST",
      path: base,
      summary: `Create an API token${alias}`,
      tag: "API tokens",
      scope: "api-tokens:create",
      cost: 10,
      body: json(s.tokenCreateBody),
      response: s.tokenCreateResponse,
    },
  } satisfies Record<string, EndpointSpec>;
}

const tokens = tokenEndpoints("tokens");
const apiTokens = tokenEndpoints("api-tokens");

export const ENDPOINTS = {
  getQuota: {
    method: "GET",
    path: "/v0/quota",
    summary: "Quota left for this token",
    tag: "Account",
    scope: null,
    cost: 0,
    response: s.quotaResponse,
  },
  getOrganizations: {
    method: "GET",
    path: "/v0/organizations",
    summary: "The organization this token belongs to",
    tag: "Account",
    scope: null,
    cost: 1,
    response: s.organizationsResponse,
  },
  getOrgTelemetryConfig: {
    method: "GET",
    path: "/v0/orgs/{org}/telemetry/config",
    summary: "Whether Socket clients should send telemetry (off unless the org turned it on)",
    tag: "Telemetry",
    scope: null,
    cost: 1,
    response: s.telemetryConfigResponse,
  },
  updateOrgTelemetryConfig: {
    method: "PUT",
    path: "/v0/orgs/{org}/telemetry/config",
    summary: "Turn Socket clients' telemetry on or off for the organization",
    tag: "Telemetry",
    scope: "telemetry-policy:update",
    cost: 1,
    body: json(s.telemetryConfigBody),
    response: s.telemetryConfigResponse,
  },
  postOrgTelemetry: {
    method: "POST",
    path: "/v0/orgs/{org}/telemetry",
    summary: "Receive one telemetry event (counted; never stored or sent anywhere)",
    tag: "Telemetry",
    scope: null,
    cost: 1,
    body: { kind: "json" as const, schema: s.telemetryEventBody, maxBytes: TELEMETRY_BODY_LIMIT },
    response: s.telemetryEventResponse,
  },
  getEntitlements: {
    method: "GET",
    path: "/v0/orgs/{org}/entitlements",
    summary: "What this Keyward provides (API tokens, audit log, webhooks; no package analysis)",
    tag: "Account",
    scope: null,
    cost: 1,
    response: s.entitlementsResponse,
  },
  getAuditLogEvents: {
    method: "GET",
    path: "/v0/orgs/{org}/audit-log",
    summary: "The organization's audit log, newest first (admin-only tokens)",
    tag: "Audit log",
    scope: "audit-log:list",
    cost: 1,
    query: s.auditLogQuery,
    response: s.auditLogResponse,
  },
  getOrgRepoList: {
    method: "GET",
    path: "/v0/orgs/{org}/repos",
    summary: "List repositories",
    tag: "Repositories",
    scope: "repo:list",
    cost: 1,
    query: s.repoListQuery,
    response: s.repoListResponse,
  },
  getOrgRepoLabelList: {
    method: "GET",
    path: "/v0/orgs/{org}/repos/labels",
    summary: "List repository labels",
    tag: "Repositories",
    scope: "repo-label:list",
    cost: 1,
    query: s.repoLabelListQuery,
    response: s.repoLabelListResponse,
  },
  createOrgRepoLabel: {
    method: "POST",
    path: "/v0/orgs/{org}/repos/labels",
    summary: "Create a repository label",
    tag: "Repositories",
    scope: "repo-label:create",
    cost: 1,
    body: json(s.repoLabelBody),
    response: s.repoLabelItem,
    successStatus: 201,
    conflict: "A label with this name exists",
  },
  getOrgRepoLabel: {
    method: "GET",
    path: "/v0/orgs/{org}/repos/labels/{label_id}",
    summary: "View a repository label",
    tag: "Repositories",
    scope: "repo-label:list",
    cost: 1,
    response: s.repoLabelItem,
  },
  updateOrgRepoLabel: {
    method: "PUT",
    path: "/v0/orgs/{org}/repos/labels/{label_id}",
    summary: "Rename a repository label",
    tag: "Repositories",
    scope: "repo-label:update",
    cost: 1,
    body: json(s.repoLabelBody),
    response: s.repoLabelItem,
    conflict: "Another label has this name",
  },
  deleteOrgRepoLabel: {
    method: "DELETE",
    path: "/v0/orgs/{org}/repos/labels/{label_id}",
    summary: "Delete a repository label and its attachments",
    tag: "Repositories",
    scope: "repo-label:delete",
    cost: 1,
    response: s.statusResponse,
  },
  associateOrgRepoLabel: {
    method: "POST",
    path: "/v0/orgs/{org}/repos/labels/{label_id}/associate",
    summary: "Attach a label to a repository (repository_id)",
    tag: "Repositories",
    scope: "repo-label:update",
    cost: 1,
    body: json(s.repoLabelLinkBody),
    response: s.statusResponse,
  },
  disassociateOrgRepoLabel: {
    method: "POST",
    path: "/v0/orgs/{org}/repos/labels/{label_id}/disassociate",
    summary: "Detach a label from a repository (repository_id)",
    tag: "Repositories",
    scope: "repo-label:update",
    cost: 1,
    body: json(s.repoLabelLinkBody),
    response: s.statusResponse,
  },
  createOrgRepo: {
    method: "POST",
    path: "/v0/orgs/{org}/repos",
    summary: "Create a repository (its slug is the name)",
    tag: "Repositories",
    scope: "repo:write",
    cost: 1,
    body: json(s.repoCreateBody),
    response: s.repoItem,
    successStatus: 201,
    conflict: "A repository with this slug exists",
  },
  getOrgRepo: {
    method: "GET",
    path: "/v0/orgs/{org}/repos/{repo}",
    summary: "View a repository",
    tag: "Repositories",
    scope: "repo:read",
    cost: 1,
    query: s.repoWorkspaceQuery,
    response: s.repoViewResponse,
  },
  updateOrgRepo: {
    method: "POST",
    path: "/v0/orgs/{org}/repos/{repo}",
    summary: "Update a repository (a new name renames it)",
    tag: "Repositories",
    scope: "repo:write",
    cost: 1,
    query: s.repoWorkspaceQuery,
    body: json(s.repoUpdateBody),
    response: s.repoItem,
    conflict: "Another repository has the new name",
  },
  deleteOrgRepo: {
    method: "DELETE",
    path: "/v0/orgs/{org}/repos/{repo}",
    summary: "Delete a repository",
    tag: "Repositories",
    scope: "repo:write",
    cost: 1,
    query: s.repoWorkspaceQuery,
    response: s.statusResponse,
  },
  getReportList: {
    method: "GET",
    path: "/v0/report/list",
    summary: "List the organization's reports",
    tag: "Reports",
    scope: "report:list",
    cost: 10,
    query: s.reportListQuery,
    response: s.reportListResponse,
  },
  getReport: {
    method: "GET",
    path: "/v0/report/view/{id}",
    summary: "View a report by id",
    tag: "Reports",
    scope: "report:read",
    cost: 10,
    response: s.reportResponse,
  },
  createReport: {
    method: "PUT",
    path: "/v0/report/upload",
    summary: "Create a report from manifest files (multipart, one part per file)",
    tag: "Reports",
    scope: "report:write",
    cost: 100,
    query: s.reportUploadQuery,
    body: { kind: "multipart" as const, schema: s.reportUploadBody, maxBytes: UPLOAD_BODY_LIMIT },
    response: s.reportUploadResponse,
  },
  getAPITokens: tokens.list,
  postAPIToken: tokens.create,
  postAPITokenUpdate: {
    method: "POST",
    path: "/v0/orgs/{org}/tokens/{id}/update",
    summary: "Update an API token",
    tag: "API tokens",
    scope: "api-tokens:update",
    cost: 10,
    body: json(s.tokenUpdateBody),
    response: s.tokenUpdateResponse,
  },
  postAPITokensRotate: {
    method: "POST",
    path: "/v0/orgs/{org}/tokens/{id}/rotate",
    summary: "Rotate an API token",
    tag: "API tokens",
    scope: "api-tokens:rotate",
    cost: 10,
    body: json(s.tokenRotateBody),
    response: s.tokenRotateResponse,
  },
  postAPITokensRevoke: {
    method: "POST",
    path: "/v0/orgs/{org}/tokens/{id}/revoke",
    summary: "Revoke an API token",
    tag: "API tokens",
    scope: "api-tokens:revoke",
    cost: 10,
    body: json(s.tokenRevokeBody),
    response: s.tokenRevokeResponse,
  },
  getOrgApiTokens: apiTokens.list,
  postOrgApiToken: apiTokens.create,
  postOrgApiTokenUpdate: {
    method: "POST",
    path: "/v0/orgs/{org}/api-tokens/update",
    summary: "Update an API token named in the body",
    tag: "API tokens",
    scope: "api-tokens:update",
    cost: 10,
    body: json(s.tokenUpdateBody),
    response: s.tokenUpdateResponse,
  },
  postOrgApiTokenRotate: {
    method: "POST",
    path: "/v0/orgs/{org}/api-tokens/rotate",
    summary: "Rotate an API token named in the body",
    tag: "API tokens",
    scope: "api-tokens:rotate",
    cost: 10,
    body: json(s.tokenRotateBody),
    response: s.tokenRotateResponse,
  },
  postOrgApiTokenRevoke: {
    method: "POST",
    path: "/v0/orgs/{org}/api-tokens/revoke",
    summary: "Revoke an API token named in the body",
    tag: "API tokens",
    scope: "api-tokens:revoke",
    cost: 10,
    body: json(s.tokenRevokeBody),
    response: s.tokenRevokeResponse,
  },
  getOrgWebhooksList: {
    method: "GET",
    path: "/v0/orgs/{org}/webhooks",
    summary: "List webhooks",
    tag: "Webhooks",
    scope: "webhooks:list",
    cost: 1,
    query: w.webhookListQuery,
    response: w.webhookListResponse,
  },
  createOrgWebhook: {
    method: "POST",
    path: "/v0/orgs/{org}/webhooks",
    summary: "Create a webhook (Keyward sends its own events to it, signed with the secret)",
    tag: "Webhooks",
    scope: "webhooks:create",
    cost: 1,
    successStatus: 201,
    body: json(w.webhookCreateBody),
    response: w.webhookItem,
  },
  getOrgWebhook: {
    method: "GET",
    path: "/v0/orgs/{org}/webhooks/{id}",
    summary: "View a webhook",
    tag: "Webhooks",
    scope: "webhooks:list",
    cost: 1,
    response: w.webhookItem,
  },
  updateOrgWebhook: {
    method: "PUT",
    path: "/v0/orgs/{org}/webhooks/{id}",
    summary: "Update a webhook (only the fields given)",
    tag: "Webhooks",
    scope: "webhooks:update",
    cost: 1,
    body: json(w.webhookUpdateBody),
    response: w.webhookItem,
  },
  deleteOrgWebhook: {
    method: "DELETE",
    path: "/v0/orgs/{org}/webhooks/{id}",
    summary: "Delete a webhook",
    tag: "Webhooks",
    scope: "webhooks:delete",
    cost: 1,
    response: w.webhookDeleteResponse,
  },
} as const satisfies Record<string, EndpointSpec>;

export type EndpointId = keyof typeof ENDPOINTS;

export const OPENAPI_PATH = "/v0/openapi.json";
/** Socket's path for the same document. */
export const OPENAPI_SOCKET_PATH = "/v0/openapi";
