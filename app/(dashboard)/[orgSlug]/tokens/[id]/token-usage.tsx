import { TokenUsageSection } from "@/components/usage/token-usage-section";
import { usageRetentionFromEnv } from "@/lib/config/env";
import { getRefusedCalls } from "@/lib/db/queries/refused-calls";
import { getTokenUsage, listTokenRequests } from "@/lib/db/queries/usage";
import type { TokenDetail } from "@/lib/db/token-dto";
import { requestLogRetentionNotice } from "@/lib/domain/usage/retention-notice";
import { firstValues } from "@/lib/validations/token";
import { requestLogParamsSchema } from "@/lib/validations/usage";

/**
 * Loads the usage part of a token's page (components take data as props). The caller has already
 * checked that the viewer may see this token.
 */
export async function TokenUsage({
  token,
  orgSlug,
  canManage,
  searchParams,
  now,
}: {
  token: TokenDetail;
  /** The page's moment: the quota in the header and in this section is the same. */
  now: Date;
  orgSlug: string;
  canManage: boolean;
  searchParams: Record<string, string | string[] | undefined>;
}) {
  const params = requestLogParamsSchema.parse(firstValues(searchParams));
  const [usage, log, refused] = await Promise.all([
    getTokenUsage(token, now),
    listTokenRequests(token.id, params),
    getRefusedCalls(token.id, now),
  ]);
  return (
    <TokenUsageSection
      token={token}
      orgSlug={orgSlug}
      canManage={canManage}
      usage={usage}
      log={log}
      refused={refused}
      params={params}
      now={now}
      retentionNotice={requestLogRetentionNotice(usageRetentionFromEnv(process.env))}
    />
  );
}
