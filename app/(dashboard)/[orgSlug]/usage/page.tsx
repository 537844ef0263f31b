import type { Metadata } from "next";

import { RelativeTime, ResetTime } from "@/components/format/relative-time";
import { PageHeader } from "@/components/shell/page-header";
import { OUTCOME_STYLE } from "@/components/usage/outcome-style";
import { TokenListCard } from "@/components/usage/token-list-card";
import { UsageChart } from "@/components/usage/usage-chart";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { usageRetentionFromEnv } from "@/lib/config/env";
import { getOrgUsageOverview, NEAR_QUOTA_FRACTION } from "@/lib/db/queries/usage";
import { OUTCOMES, type OutcomeCounts } from "@/lib/domain/usage/outcomes";
import { usageRetentionNotice } from "@/lib/domain/usage/retention-notice";

export const metadata: Metadata = { title: "Usage" };

export default async function UsagePage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const overview = await getOrgUsageOverview(access.org.id, access.role);
  const slug = access.org.slug;
  return (
    <>
      <PageHeader
        title="Usage"
        description={
          can(access.role, "tokens:view-admin-only")
            ? "How the organization's tokens are used. Times are UTC."
            : "How the organization's tokens are used. Request counts cover all tokens; lists show the tokens shared with members."
        }
      />
      <div className="space-y-4">
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Stat label="API requests, last 24 hours" counts={overview.totals.last24h} />
          <Stat label="API requests, last 30 days" counts={overview.totals.last30d} />
          <div className="rounded-lg border border-slate-200 bg-white p-4">
            <dt className="text-sm text-slate-500">Near their quota</dt>
            <dd className="text-2xl font-semibold tabular-nums">{overview.nearQuota.total.toLocaleString("en")}</dd>
          </div>
          <div className="rounded-lg border border-slate-200 bg-white p-4">
            <dt className="text-sm text-slate-500">Unused for 30 / 90 days</dt>
            <dd className="text-2xl font-semibold tabular-nums">
              {overview.unused.days30.toLocaleString("en")} / {overview.unused.days90.toLocaleString("en")}
            </dd>
          </div>
        </dl>
        <div className="grid gap-4 lg:grid-cols-2">
          <UsageChart title="Last 24 hours, by hour (UTC)" buckets={overview.series.hourly} granularity="hour" />
          <UsageChart title="Last 30 days, by day (UTC)" buckets={overview.series.daily} granularity="day" />
        </div>
        <p className="text-xs text-slate-500" data-testid="usage-retention">
          {usageRetentionNotice(usageRetentionFromEnv(process.env))}
        </p>
        <div className="grid gap-4 lg:grid-cols-2">
          <TokenListCard
            title="Top tokens by volume (30 days)"
            orgSlug={slug}
            items={overview.topTokens.map((token) => ({
              id: token.id,
              name: token.name,
              detail: `${token.requests.toLocaleString("en")} requests`,
            }))}
            empty="No requests in the last 30 days."
          />
          <TokenListCard
            title="Near their quota"
            description={`Active tokens with at most ${NEAR_QUOTA_FRACTION * 100}% of this window's quota left.`}
            total={overview.nearQuota.total}
            orgSlug={slug}
            items={overview.nearQuota.tokens.map((token) => ({
              id: token.id,
              name: token.name,
              detail: (
                <>
                  {token.remaining.toLocaleString("en")} / {token.max.toLocaleString("en")} left · resets{" "}
                  <ResetTime date={token.resetsAt} />
                </>
              ),
            }))}
            empty="No token is close to its quota."
          />
          <TokenListCard
            title="Unused for 30 days or more"
            description={`Active tokens older than 30 days that made no request since; ${overview.unused.days90.toLocaleString("en")} of them for 90 days or more.`}
            total={overview.unused.days30}
            orgSlug={slug}
            items={overview.unused.tokens.map((token) => ({
              id: token.id,
              name: token.name,
              detail: token.lastUsedAt ? (
                <>
                  last used <RelativeTime date={token.lastUsedAt} />
                </>
              ) : (
                <>
                  never used · created <RelativeTime date={token.createdAt} />
                </>
              ),
            }))}
            empty="Every token was used in the last 30 days."
          />
          <TokenListCard
            title="Expiring in the next 7 days"
            total={overview.expiring.total}
            orgSlug={slug}
            items={overview.expiring.tokens.map((token) => ({
              id: token.id,
              name: token.name,
              detail: (
                <>
                  expires <RelativeTime date={token.expiresAt} />
                </>
              ),
            }))}
            empty="No token expires in the next 7 days."
          />
        </div>
      </div>
    </>
  );
}

function Stat({ label, counts }: { label: string; counts: OutcomeCounts }) {
  const errors = OUTCOMES.filter((outcome) => outcome !== "success" && counts[outcome] > 0);
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4">
      <dt className="text-sm text-slate-500">{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums">{counts.requests.toLocaleString("en")}</dd>
      {errors.length > 0 && (
        <dd className="text-xs text-slate-600">
          {errors.map((outcome) => `${counts[outcome].toLocaleString("en")} ${OUTCOME_STYLE[outcome].short}`).join(" · ")}
        </dd>
      )}
    </div>
  );
}
