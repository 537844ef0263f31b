// Named usage queries for the dashboard, one module per read model. Everything shown over time
// comes from the rollups (lib/db/usage-rollups.ts); UsageEvent is read only by the request log.
export type { TopValue, UsageBucket, UsageSeries, UsageTotals } from "./series";
export { getTokenScopeUsage, getTokenUsage, type TokenScopeUsage, type TokenUsage } from "./token-usage";
export {
  csvField,
  listTokenRequests,
  REQUEST_LOG_CSV_HEADER,
  tokenRequestsCsv,
  type RequestLogPage,
  type RequestLogRow,
} from "./request-log";
export { getOrgUsageOverview, NEAR_QUOTA_FRACTION, type OrgUsageOverview, type OverviewToken } from "./org-overview";
