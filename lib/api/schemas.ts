import { z } from "zod";

import { apiRepoCreateBody, apiRepoLabelBody, apiRepoLabelLinkBody, apiRepoUpdateBody } from "../validations/repo";
import {
  allowedNetworksSchema,
  expiresAtSchema,
  MAX_GRACE_HOURS,
  quotaMaxSchema,
  scopeListSchema,
  tokenNameSchema,
} from "../validations/token";
import { REPO_SORTS } from "./store";

// Request and response shapes of the Socket-compatible REST API. Requests are parsed with these
// schemas; /v0/openapi.json is generated from the same schemas, so the two cannot drift.

const isoTime = z.string().meta({ format: "date-time" });

/** Query values arrive as strings; "true"/"1" and "false"/"0" are the booleans. */
const queryBoolean = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

const queryInteger = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A 1-based page number; 0 means the first page, as Socket accepts (the CLI's `--all` starts at page=0). */
const pageQuery = queryInteger(0, 100_000)
  .default(1)
  .transform((page) => Math.max(1, page))
  .describe("Page number from 1 (0 is the first page)");

const shortText = (max: number) => z.string().max(max);

// ---------------------------------------------------------------------------------------
// Account

export const quotaResponse = z
  .object({
    quota: z.number().int().describe("Units left in the current window"),
    maxQuota: z.number().int().describe("Units per window"),
    nextWindowRefresh: isoTime.nullable().describe("When the window ends and the quota refills"),
  })
  .meta({ id: "Quota" });

export const organizationsResponse = z
  .object({
    organizations: z.record(
      z.string(),
      z.object({ id: z.string(), name: z.string().nullable(), image: z.string().nullable(), plan: z.string(), slug: z.string() }),
    ),
  })
  .meta({ id: "Organizations" });

export const telemetryConfigResponse = z.object({ telemetry: z.object({ enabled: z.boolean() }) }).meta({ id: "TelemetryConfig" });

export const telemetryConfigBody = z
  .object({ enabled: z.boolean().default(false).describe("Whether Socket clients should send telemetry (default false, as Socket's)") })
  .strict();

/** One event as Socket's CLI sends it (its TelemetryService): counted, never stored or sent anywhere. */
export const telemetryEventBody = z
  .object({
    event_type: shortText(100).optional(),
    event_sender_created_at: shortText(40).optional(),
    session_id: shortText(100).optional(),
    context: z.record(z.string().max(100), z.unknown()).optional(),
    metadata: z.record(z.string().max(100), z.unknown()).optional(),
    error: z
      .object({ message: shortText(4000).optional(), stack: shortText(16000).optional(), type: shortText(200).optional() })
      .optional(),
  })
  .strict()
  .meta({ id: "TelemetryEvent" });

export const telemetryEventResponse = z.object({}).strict().meta({ id: "TelemetryReceived" });

export const entitlementsResponse = z
  .object({ items: z.array(z.object({ key: z.string(), enabled: z.boolean() })) })
  .meta({ id: "Entitlements" });

// ---------------------------------------------------------------------------------------
// Audit log

export const auditLogQuery = z.object({
  type: z
    .string()
    .max(100)
    .optional()
    .describe("Only events of this type: a Socket type (e.g. CreateApiToken) or a Keyward action (e.g. token.disabled); empty for all"),
  per_page: queryInteger(0, 100)
    .default(30)
    .transform((perPage) => perPage || 30)
    .describe("Events per page, at most 100 (0: the default, 30)"),
  page: pageQuery,
});

export const auditLogEvent = z
  .object({
    event_id: z.string(),
    created_at: isoTime,
    updated_at: isoTime,
    country_code: z.string().nullable(),
    organization_id: z.string().nullable(),
    ip_address: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()).nullable(),
    status_code: z.number().int().nullable(),
    type: z.string().describe("Socket's event type where one matches the Keyward action, else the Keyward action"),
    user_agent: z.string().nullable(),
    user_id: z.string().nullable(),
    user_email: z.string(),
    user_image: z.string(),
    organization_name: z.string(),
  })
  .meta({ id: "AuditLogEvent" });

export const auditLogResponse = z
  .object({
    results: z.array(auditLogEvent),
    nextPage: z.string().nullable().describe("The next page's number, as text; null on the last page"),
  })
  .meta({ id: "AuditLog" });

// ---------------------------------------------------------------------------------------
// Repositories

export const repoListQuery = z.object({
  sort: z.enum(REPO_SORTS).default("created_at"),
  direction: z.enum(["asc", "desc"]).default("desc"),
  per_page: queryInteger(1, 100).default(30),
  page: pageQuery,
  include_archived: queryBoolean.default(false),
  workspace: shortText(200).optional(),
});

export const repoItem = z
  .object({
    id: z.string(),
    created_at: isoTime,
    updated_at: isoTime,
    slug: z.string(),
    head_full_scan_id: z.string().nullable(),
    integration_meta: z.null(),
    name: z.string(),
    description: z.string().nullable(),
    homepage: z.string().nullable(),
    visibility: z.enum(["public", "private"]),
    archived: z.boolean(),
    default_branch: z.string().nullable(),
    workspace: z.string(),
  })
  .meta({ id: "Repository" });

export const repoListResponse = z
  .object({ results: z.array(repoItem), nextPage: z.number().int().nullable() })
  .meta({ id: "RepositoryList" });

export const repoWorkspaceQuery = z.object({
  workspace: shortText(200).optional().describe("The repository's workspace; when given, it must match"),
});

export const repoViewResponse = repoItem
  .extend({ slig: z.string().describe("The slug again: Socket keeps this misspelt field for backwards compatibility") })
  .meta({ id: "RepositoryView" });

export const repoCreateBody = apiRepoCreateBody.meta({ id: "RepositoryCreate" });
export const repoUpdateBody = apiRepoUpdateBody.meta({ id: "RepositoryUpdate" });

export const statusResponse = z.object({ status: z.string() }).meta({ id: "Status" });

export const repoLabelItem = z
  .object({
    id: z.string(),
    name: z.string(),
    repository_ids: z.array(z.string()),
    has_security_policy: z.boolean().describe("Always false: Keyward keeps no package policies"),
    has_license_policy: z.boolean().describe("Always false: Keyward keeps no package policies"),
  })
  .meta({ id: "RepositoryLabel" });

export const repoLabelListQuery = z.object({
  per_page: queryInteger(1, 100).default(30),
  page: queryInteger(1, 100_000).default(1),
});

export const repoLabelListResponse = z
  .object({ results: z.array(repoLabelItem), nextPage: z.number().int().nullable() })
  .meta({ id: "RepositoryLabelList" });

export const repoLabelBody = apiRepoLabelBody.meta({ id: "RepositoryLabelName" });
export const repoLabelLinkBody = apiRepoLabelLinkBody.meta({ id: "RepositoryLabelLink" });

// ---------------------------------------------------------------------------------------
// Reports

export const REPORT_ID_PATTERN = /^[0-9a-f]{32}$/;

export const reportListQuery = z.object({
  from: queryInteger(0, 1e11).optional().describe("Unix time in seconds: only reports created at or after it"),
  repo: shortText(200).optional().describe("Only reports for this repository slug"),
});

export const reportListItem = z
  .object({
    id: z.string(),
    url: z.string(),
    repo: z.string(),
    branch: z.string(),
    pull_requests: z.object({}).describe("Socket's shape (an object); Keyward records no pull requests, so it is empty"),
    commit: z.string(),
    owner: z.string(),
    created_at: isoTime,
  })
  .meta({ id: "ReportListItem" });

export const reportListResponse = z.array(reportListItem).meta({ id: "ReportList" });

export const reportScore = z.object({
  avgSupplyChainRisk: z.number(),
  avgQuality: z.number(),
  avgMaintenance: z.number(),
  avgVulnerability: z.number(),
  avgLicense: z.number(),
});

export const reportResponse = z
  .object({ id: z.string(), healthy: z.boolean(), issues: z.array(z.unknown()), score: reportScore, url: z.string() })
  .meta({ id: "Report" });

export const reportUploadQuery = z.object({
  repo: shortText(200).optional(),
  branch: shortText(200).optional(),
  commit: shortText(100).optional(),
  owner: shortText(200).optional(),
  workspace: shortText(200).optional(),
});

/** Manifest and lock files we accept, by base name (the part name is the file's relative path). */
export const MANIFEST_FILE_NAMES = [
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lock",
  "requirements.txt",
  "pyproject.toml",
  "Pipfile",
  "Pipfile.lock",
  "poetry.lock",
  "uv.lock",
  "setup.py",
  "go.mod",
  "go.sum",
  "Cargo.toml",
  "Cargo.lock",
  "Gemfile",
  "Gemfile.lock",
  "composer.json",
  "composer.lock",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
] as const;

const MANIFEST_SET: ReadonlySet<string> = new Set(MANIFEST_FILE_NAMES);
export const MAX_UPLOAD_FILES = 100;

const relativeManifestPath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (path) =>
      !path.startsWith("/") && !path.includes("\\") && !path.split("/").some((part) => part === ".." || part === "" || part === "."),
    {
      message: "File names must be relative paths such as package.json or packages/app/package.json.",
    },
  )
  .refine((path) => MANIFEST_SET.has(path.slice(path.lastIndexOf("/") + 1)), {
    message: "Not a supported manifest or lock file.",
  });

export const reportUploadFiles = z
  .array(z.object({ path: relativeManifestPath, size: z.number().int().min(0), content: z.string() }))
  .min(1, "Upload at least one manifest file, one form part per file, named by its relative path.")
  .max(MAX_UPLOAD_FILES, `Upload at most ${MAX_UPLOAD_FILES} files per report.`)
  .refine((files) => new Set(files.map((file) => file.path)).size === files.length, { message: "Each file name may appear once." });

export const reportUploadBody = z
  .record(z.string(), z.string().meta({ format: "binary" }))
  .describe("One part per manifest file, named by its path relative to the project root (e.g. package.json)")
  .meta({ id: "ReportUpload" });

export const reportUploadResponse = z.object({ id: z.string(), url: z.string() }).meta({ id: "ReportCreated" });

// ---------------------------------------------------------------------------------------
// API tokens

const apiVisibility = z.enum(["admin", "organization"]);
const apiQuotaWindow = z.enum(["hourly", "daily", "monthly"]);

const committer = z
  .object({
    email: shortText(320).optional(),
    provider: z.enum(["api", "azure", "bitbucket", "github", "gitlab"]).optional(),
    providerLoginName: shortText(200).optional(),
    providerUserId: shortText(200).optional(),
  })
  .describe("Who commits with this token: stored and listed as `committers`; it grants nothing")
  .meta({ id: "Committer" });

const noResourceGrants = z
  .array(z.unknown())
  .max(0, "Resource grants are not supported: a Keyward token covers its whole organization.")
  .optional();

/** How a body names the token to act on: any of these, all of which must name the same token. */
const tokenIdentifiers = {
  uuid: z.string().max(100).optional().describe("The token's stable group id"),
  id: z.string().max(100).optional().describe("The group id, or the id of one of its values"),
  token: z.string().max(200).optional().describe("The token value itself"),
  hash: z.string().max(200).optional().describe("The value's hash as listed (sha256-<base64>) or as hex"),
};

export const tokenListQuery = z.object({
  sort: z.enum(["created_at"]).default("created_at"),
  direction: z.enum(["asc", "desc"]).default("desc"),
  per_page: queryInteger(1, 100).default(100),
  page: pageQuery,
  token_values: z.enum(["include", "omit"]).default("omit"),
});

export const tokenListItem = z
  .object({
    id: z.string().describe("The current value's id"),
    group_uuid: z.string().describe("The stable token id"),
    name: z.string().nullable(),
    scopes: z.array(z.string()),
    visibility: apiVisibility,
    max_quota: z.number().int(),
    created_by: z.string().nullable(),
    created_at: isoTime,
    last_used_at: isoTime.nullable(),
    hash: z.string().nullable(),
    token: z
      .string()
      .nullable()
      .describe(
        "The value, only with token_values=include, for tokens that grant no more than the calling token (scopes, quota, expiry, visibility, networks)",
      ),
    committers: z.array(committer),
  })
  .meta({ id: "ApiToken" });

export const tokenListResponse = z
  .object({ tokens: z.array(tokenListItem), nextPage: z.number().int().nullable() })
  .meta({ id: "ApiTokenList" });

export const tokenCreateBody = z
  .object({
    name: tokenNameSchema.default("api token"),
    scopes: scopeListSchema,
    max_quota: quotaMaxSchema.default(1000),
    visibility: apiVisibility.default("admin"),
    quota_window: apiQuotaWindow.default("monthly").describe("Keyward extension: the quota window (default monthly)"),
    expires_at: expiresAtSchema.describe("Keyward extension: when the token stops working (ISO time)"),
    allowed_networks: allowedNetworksSchema.describe("Keyward extension: CIDR ranges the token may be used from (default: any address)"),
    committer: committer.optional(),
    resources: noResourceGrants,
  })
  .strict();

/** Exactly Socket's fields: the value's id is not among them (listings give it). */
export const tokenCreateResponse = z
  .object({ created_by: z.string().nullable(), group_uuid: z.string(), token: z.string(), hash: z.string() })
  .strict()
  .meta({ id: "ApiTokenCreated" });

export const tokenUpdateBody = z
  .object({
    ...tokenIdentifiers,
    name: tokenNameSchema.optional(),
    scopes: scopeListSchema.optional(),
    max_quota: quotaMaxSchema.optional(),
    visibility: apiVisibility.optional(),
    quota_window: apiQuotaWindow.optional().describe("Keyward extension"),
    expires_at: expiresAtSchema.optional().describe("Keyward extension: null removes the expiry"),
    allowed_networks: allowedNetworksSchema.describe("Keyward extension: CIDR ranges the token may be used from; [] allows any address"),
    committer: committer.optional(),
  })
  .strict();

export const tokenUpdateResponse = z.object({ hash: z.string() }).meta({ id: "ApiTokenUpdated" });

export const tokenRotateBody = z
  .object({
    ...tokenIdentifiers,
    grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_HOURS * 3600)
      .default(0)
      .describe("Keyward extension: how long the replaced value keeps working (default 0: it stops at once)"),
  })
  .strict();

export const tokenRotateResponse = z
  .object({ id: z.string(), group_uuid: z.string(), created_by: z.string().nullable(), token: z.string(), hash: z.string() })
  .meta({ id: "ApiTokenRotated" });

export const tokenRevokeBody = z.object(tokenIdentifiers).strict();

export const tokenRevokeResponse = z.object({ status: z.literal("revoked") }).meta({ id: "ApiTokenRevoked" });

export type TokenIdentifiers = { uuid?: string; id?: string; token?: string; hash?: string };
