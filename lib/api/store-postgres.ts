import pg from "pg";

import { pgEpochMs as ms, pgTimestamp as ts } from "../db/dialect";
import { usageBatchStatements } from "../db/usage-rollups";
import type { RefusedCallGroup } from "../domain/usage/refusals";
import { ChargeBatcher } from "./charge-batcher";
import {
  REPO_SORT_COLUMNS,
  type ApiStore,
  type ChargeRequest,
  type ChargeResult,
  type OrgRecord,
  type QuotaState,
  type RepoQuery,
  type RepoRecord,
  type ServiceRecord,
  type TokenRecord,
  type UsageRow,
} from "./store";

// The same statements as the SQLite store, on a pg pool. Times go in as ISO text cast to
// timestamp(3) (ts) and come out as epoch milliseconds (ms): lib/db/dialect.ts says why.

const TOKEN_BY_HASH = `
  SELECT v."id" AS "valueId", ${ms('v."validUntil"')} AS "validUntil", t."id" AS "tokenId", t."orgId", t."name", t."scopes",
         t."status", ${ms('t."expiresAt"')} AS "expiresAt", t."version", t."quotaWindow", t."quotaMax", t."quotaRemaining", t."allowedNetworks",
         ${ms('t."quotaResetAt"')} AS "quotaResetAt", t."serviceScopes"
  FROM "ApiTokenValue" v JOIN "ApiToken" t ON t."id" = v."tokenId"
  WHERE v."hash" = $1`;

// $1 id, $2 version, $3 cost, $4 now, $5 next reset. The token's last use is written with its usage rows (lastUseStatements).
const CHARGE = `
  UPDATE "ApiToken" SET
    "quotaRemaining" = (CASE WHEN "quotaResetAt" <= ${ts("$4")} THEN "quotaMax" ELSE "quotaRemaining" END) - $3::int,
    "quotaResetAt" = CASE WHEN "quotaResetAt" <= ${ts("$4")} THEN ${ts("$5")} ELSE "quotaResetAt" END
  WHERE "id" = $1 AND "version" = $2 AND "status" = 'ACTIVE'
    AND ("expiresAt" IS NULL OR "expiresAt" > ${ts("$4")})
    AND (CASE WHEN "quotaResetAt" <= ${ts("$4")} THEN "quotaMax" ELSE "quotaRemaining" END) >= $3::int
  RETURNING "quotaRemaining" AS "remaining", "quotaMax" AS "max", ${ms('"quotaResetAt"')} AS "resetAt"`;

// The same charge for a call to one of the org's services ($6 id, $7 version): only while the service is unchanged and enabled.
const CHARGE_FOR_SERVICE = CHARGE.replace(
  "RETURNING",
  `AND EXISTS (SELECT 1 FROM "Service" s WHERE s."id" = $6 AND s."version" = $7 AND s."disabledAt" IS NULL AND s."orgId" = "ApiToken"."orgId")
  RETURNING`,
);

const SERVICE_COLUMNS = `s."id", s."orgId", o."slug" AS "orgSlug", s."slug", s."name", s."upstreamUrl", s."defaultScope", s."defaultCost",
         ${ms('s."disabledAt"')} AS "disabledAt", s."version",
         COALESCE((SELECT json_agg(sc."name" ORDER BY sc."name") FROM "ServiceScope" sc WHERE sc."serviceId" = s."id"), '[]') AS "scopes",
         COALESCE((SELECT json_agg(json_build_object('method', r."method", 'pathPattern', r."pathPattern", 'scope', r."scope",
                   'cost', r."cost", 'position', r."position") ORDER BY r."position", r."id")
                   FROM "ServiceRoute" r WHERE r."serviceId" = s."id"), '[]') AS "routes"
  FROM "Service" s JOIN "Org" o ON o."id" = s."orgId"`;
const SERVICE_BY_KEY_HASH = `SELECT ${SERVICE_COLUMNS} WHERE s."keyHash" = $1`;
const SERVICE_BY_SLUG = `SELECT ${SERVICE_COLUMNS} WHERE s."orgId" = $1 AND s."slug" = $2`;

// The same charge, also answering with the token's organization: one round trip instead of two.
const CHARGE_READING_ORG = `${CHARGE}, "orgId",
    (SELECT "slug" FROM "Org" WHERE "id" = "ApiToken"."orgId") AS "orgSlug",
    (SELECT "name" FROM "Org" WHERE "id" = "ApiToken"."orgId") AS "orgName",
    (SELECT "plan" FROM "Org" WHERE "id" = "ApiToken"."orgId") AS "orgPlan"`;
type ChargeRowWithOrg = QuotaState & { orgId: string; orgSlug: string | null; orgName: string | null; orgPlan: string | null };

const ORG_BY_ID = `SELECT "id", "slug", "name", "plan" FROM "Org" WHERE "id" = $1`;

// A batch of usage rows as one array per column: one prepared statement whatever the batch's size,
// instead of a new multi-row VALUES text (parsed and planned again) for every batch.
const INSERT_USAGE_ROWS = `
  INSERT INTO "UsageEvent" ("requestId", "tokenId", "valueId", "orgId", "at", "method", "route", "status", "ip", "userAgent", "cost")
  SELECT "requestId", "tokenId", "valueId", "orgId", ${ts('"at"')}, "method", "route", "status", "ip", "userAgent", "cost"
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::int[])
    AS u("requestId", "tokenId", "valueId", "orgId", "at", "method", "route", "status", "ip", "userAgent", "cost")`;
const USAGE_COLUMN_COUNT = 11;
// Bounds one statement's message; a batch is rarely larger (250 ms of calls).
const USAGE_ROWS_PER_STATEMENT = 5_000;

// As long as the SQLite store waits for a lock (BUSY_PATIENCE_MS there).
const LOCK_TIMEOUT_MS = 5_000;

const ignoreConnectionError = () => {};

export class PostgresApiStore implements ApiStore {
  readonly provider = "postgresql" as const;
  readonly #pool: pg.Pool;
  // One charge statement in flight per token; calls meanwhile are charged together (charge-batcher.ts says why).
  readonly #statementNames = new Map<string, string>();
  readonly #charges = new ChargeBatcher((request) => this.#chargeOnce(request));

  constructor(connectionString: string, options: { maxConnections?: number } = {}) {
    // A lock held longer than this (a migration, an operator's LOCK TABLE) fails the statement with
    // 55P03, answered as a clean 503, rather than holding the request open indefinitely.
    this.#pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, options: `-c lock_timeout=${LOCK_TIMEOUT_MS}` });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.#pool.on("error", () => {});
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | null> {
    const result = await this.#pool.query<TokenRecord>({ name: "kw_token_by_hash", text: TOKEN_BY_HASH, values: [hash] });
    return result.rows[0] ?? null;
  }

  charge(request: ChargeRequest): Promise<ChargeResult | null> {
    return this.#charges.charge(request);
  }

  async #chargeOnce(request: ChargeRequest): Promise<ChargeResult | null> {
    if (request.service && request.readOrg) throw new Error("a service charge does not read the organization");
    const result = await this.#pool.query<ChargeRowWithOrg>({
      name: request.service ? "kw_charge_service" : request.readOrg ? "kw_charge_org" : "kw_charge",
      text: request.service ? CHARGE_FOR_SERVICE : request.readOrg ? CHARGE_READING_ORG : CHARGE,
      values: [
        request.tokenId,
        request.version,
        request.cost,
        new Date(request.now).toISOString(),
        new Date(request.nextResetAt).toISOString(),
        ...(request.service ? [request.service.id, request.service.version] : []),
      ],
    });
    const row = result.rows[0];
    if (!row) return null;
    const charged: ChargeResult = { remaining: row.remaining, max: row.max, resetAt: row.resetAt };
    if (request.readOrg) {
      charged.org = row.orgSlug === null ? null : { id: row.orgId, slug: row.orgSlug, name: row.orgName ?? "", plan: row.orgPlan ?? "" };
    }
    return charged;
  }

  async findServiceByKeyHash(keyHash: string): Promise<ServiceRecord | null> {
    const result = await this.#pool.query<ServiceRecord>({ name: "kw_service_by_key", text: SERVICE_BY_KEY_HASH, values: [keyHash] });
    return result.rows[0] ?? null;
  }

  async findServiceBySlug(orgId: string, slug: string): Promise<ServiceRecord | null> {
    const result = await this.#pool.query<ServiceRecord>({ name: "kw_service_by_slug", text: SERVICE_BY_SLUG, values: [orgId, slug] });
    return result.rows[0] ?? null;
  }

  async findOrg(orgId: string): Promise<OrgRecord | null> {
    const result = await this.#pool.query<OrgRecord>({ name: "kw_org_by_id", text: ORG_BY_ID, values: [orgId] });
    return result.rows[0] ?? null;
  }

  async listRepos(query: RepoQuery): Promise<RepoRecord[]> {
    const values: unknown[] = [query.orgId];
    let where = `"orgId" = $1`;
    if (!query.includeArchived) where += ` AND "archived" = false`;
    if (query.workspace !== undefined) {
      values.push(query.workspace);
      where += ` AND "workspace" = $${values.length}`;
    }
    values.push(query.limit, query.offset);
    // Column and direction come from fixed tables, never from the request text.
    const order = `${REPO_SORT_COLUMNS[query.sort]} ${query.direction === "asc" ? "ASC" : "DESC"}, "id" ASC`;
    const text = `SELECT "id", "slug", "name", "description", "homepage", "visibility", "archived", "defaultBranch", "headFullScanId",
              "workspace", ${ms('"createdAt"')} AS "createdAt", ${ms('"updatedAt"')} AS "updatedAt"
       FROM "Repo" WHERE ${where} ORDER BY ${order} LIMIT $${values.length - 1} OFFSET $${values.length}`;
    const result = await this.#pool.query<RepoRecord>({ name: this.#statementName(text), text, values });
    return result.rows;
  }

  // Named statements are parsed and planned once per connection instead of on every call. The
  // texts come from a handful of fixed variants (filters and sort orders), so the names stay few.
  #statementName(text: string): string {
    let name = this.#statementNames.get(text);
    if (!name) this.#statementNames.set(text, (name = `kw_repos_${this.#statementNames.size}`));
    return name;
  }

  async insertUsage(rows: readonly UsageRow[], refused: readonly RefusedCallGroup[] = []): Promise<void> {
    if (rows.length === 0 && refused.length === 0) return;
    // One transaction: the usage rollups commit with the rows and refused-call counters they count.
    const client = await this.#pool.connect();
    // pg's pool stops listening for a client's errors while it is checked out: PostgreSQL closing
    // the connection between two statements of this transaction (a restart, a failover) would be an
    // uncaught 'error' event and end the process. The next statement fails with it instead.
    client.on("error", ignoreConnectionError);
    let failure: unknown;
    try {
      await client.query("BEGIN");
      await this.#insertUsageRows(client, rows);
      for (const statement of usageBatchStatements(rows, refused, "postgresql")) await client.query(statement.sql, statement.params);
      await client.query("COMMIT");
    } catch (error) {
      failure = error;
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.off("error", ignoreConnectionError);
      // Given the failure, the pool discards the connection instead of lending it out again.
      client.release(failure instanceof Error ? failure : undefined);
    }
  }

  async #insertUsageRows(client: pg.PoolClient, rows: readonly UsageRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += USAGE_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + USAGE_ROWS_PER_STATEMENT);
      const columns: unknown[][] = Array.from({ length: USAGE_COLUMN_COUNT }, () => new Array<unknown>(chunk.length));
      chunk.forEach((row, index) => {
        columns[0][index] = row.requestId;
        columns[1][index] = row.tokenId;
        columns[2][index] = row.valueId;
        columns[3][index] = row.orgId;
        columns[4][index] = new Date(row.at).toISOString();
        columns[5][index] = row.method;
        columns[6][index] = row.route;
        columns[7][index] = row.status;
        columns[8][index] = row.ip;
        columns[9][index] = row.userAgent;
        columns[10][index] = row.cost;
      });
      await client.query({ name: "kw_usage_rows", text: INSERT_USAGE_ROWS, values: columns });
    }
  }

  /** The pool's connections for GET /metrics: open, idle, and queries waiting for one. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
