import type { RepoRow } from "../db/repo-mutations";
import type { RefusedCallGroup } from "../domain/usage/refusals";
import type { QuotaWindow } from "../tokens/quota";

// The REST API's hot path talks to the database through this small interface, with one
// implementation per provider on the raw driver (a prepared better-sqlite3 statement, a pg pool).
// Prisma owns the schema and migrations; these statements only read and update its tables.
// All times cross this interface as unix epoch milliseconds.

/** What authentication needs to know about a presented token value, keyed by the value's hash. */
export type TokenRecord = {
  tokenId: string;
  valueId: string;
  orgId: string;
  name: string;
  scopes: string;
  status: "ACTIVE" | "DISABLED" | "REVOKED";
  expiresAt: number | null;
  /** When this value stops working (set at rotation); null while it is the current value. */
  validUntil: number | null;
  version: number;
  quotaWindow: QuotaWindow;
  quotaMax: number;
  quotaRemaining: number;
  quotaResetAt: number;
  /** Space-separated CIDR ranges the token may be used from; "" for any address. */
  allowedNetworks: string;
  /** Space-separated scopes of the org's services, "<slug>/<scope>" (lib/domain/services/scopes.ts). */
  serviceScopes: string;
};

/** What verifying a call for a service needs to know about the service (POST /v1/verify, the gateway). */
export type ServiceRecord = {
  id: string;
  orgId: string;
  orgSlug: string;
  slug: string;
  name: string;
  upstreamUrl: string;
  defaultScope: string | null;
  defaultCost: number;
  disabledAt: number | null;
  version: number;
  /** The scopes the service declares. */
  scopes: string[];
  /** In the admin's order. */
  routes: { method: string; pathPattern: string; scope: string; cost: number; position: number }[];
};

export type QuotaState = { remaining: number; max: number; resetAt: number };

/** The charge's answer; `org` (the token's organization, read in the same transaction) when asked for. */
export type ChargeResult = QuotaState & { org?: OrgRecord | null };

export type ChargeRequest = {
  tokenId: string;
  /** The version the caller's cached copy has: any change since makes the charge match no row. */
  version: number;
  cost: number;
  now: number;
  /** Where the window ends if this charge opens a new one. */
  nextResetAt: number;
  /** Also read the token's organization, in the same transaction (endpoints that need it): saves a query. */
  readOrg?: boolean;
  /**
   * A call for one of the org's services: charged only while that service is still at the
   * caller's cached version, enabled, and of the token's organization (a disable or key rotation
   * in any process refuses the next call).
   */
  service?: { id: string; version: number };
};

export type OrgRecord = { id: string; slug: string; name: string; plan: string };

export const REPO_SORTS = ["created_at", "updated_at", "name", "slug"] as const;
export type RepoSort = (typeof REPO_SORTS)[number];

export type RepoQuery = {
  orgId: string;
  sort: RepoSort;
  direction: "asc" | "desc";
  limit: number;
  offset: number;
  includeArchived: boolean;
  workspace: string | undefined;
};

/** A repository as the stores read it: Prisma's RepoRow (lib/db/repo-mutations.ts) with its times in epoch milliseconds. */
export type RepoRecord = Omit<RepoRow, "createdAt" | "updatedAt"> & { createdAt: number; updatedAt: number };

export type UsageRow = {
  requestId: string;
  tokenId: string;
  valueId: string | null;
  orgId: string;
  at: number;
  method: string;
  route: string;
  status: number;
  ip: string | null;
  userAgent: string | null;
  cost: number;
};

export interface ApiStore {
  readonly provider: "sqlite" | "postgresql";
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  /**
   * The one write on a request's path: charges `cost` (opening a new window first when the current
   * one has ended) — only if the token is still active, unexpired, at the caller's version and has
   * the quota. Null when any of that fails. Last use is not written here but with the usage rows
   * (insertUsage; lastUseStatements in lib/db/usage-rollups.ts).
   */
  charge(request: ChargeRequest): Promise<ChargeResult | null>;
  findOrg(orgId: string): Promise<OrgRecord | null>;
  /** The service whose verification key hashes to `keyHash`. */
  findServiceByKeyHash(keyHash: string): Promise<ServiceRecord | null>;
  /** The organization's service named `slug` (the gateway's /gw/<slug>/…). */
  findServiceBySlug(orgId: string, slug: string): Promise<ServiceRecord | null>;
  listRepos(query: RepoQuery): Promise<RepoRecord[]>;
  /**
   * Writes a batch of usage: the rows, the refused calls counted meanwhile (added to their
   * RefusedCallCount rows), the usage rollups of both, and each token's last use (its latest row).
   * A store that writes a batch in several transactions and fails after some committed rejects
   * with UsageWriteIncomplete, saying how much is in, so a retry writes only the rest.
   */
  insertUsage(rows: readonly UsageRow[], refused?: readonly RefusedCallGroup[]): Promise<void>;
  /** The connection pool's state, where the store has one (PostgreSQL), for GET /metrics. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/**
 * A usage batch failed after its first `rowsWritten` rows and `refusedWritten` refused-call groups
 * were committed (in that order: rows first). Retrying the whole batch would count those twice.
 */
export class UsageWriteIncomplete extends Error {
  override name = "UsageWriteIncomplete";
  constructor(
    readonly rowsWritten: number,
    readonly refusedWritten: number,
    options: { cause: unknown },
  ) {
    super(`usage write stopped after ${rowsWritten} rows and ${refusedWritten} refused-call groups`, options);
  }
}

/** The database is locked by another writer for longer than we wait. */
export class StoreBusyError extends Error {
  override name = "StoreBusyError";
}

export const REPO_SORT_COLUMNS: Record<RepoSort, string> = {
  created_at: '"createdAt"',
  updated_at: '"updatedAt"',
  name: '"name"',
  slug: '"slug"',
};
