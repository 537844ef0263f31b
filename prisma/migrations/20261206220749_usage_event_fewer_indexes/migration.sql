-- Three indexes fewer for the usage writer to maintain on every API call: readers and the retention
-- job now reach UsageEvent through the token ((tokenId, at) and the request log's indexes), and
-- request ids are generated unique (lib/api/request-id.ts) rather than checked.

-- DropIndex
DROP INDEX "UsageEvent_valueId_at_idx";

-- DropIndex
DROP INDEX "UsageEvent_orgId_at_idx";

-- DropIndex
DROP INDEX "UsageEvent_requestId_key";
