import { RelativeTime } from "@/components/format/relative-time";
import type { RefusedCallSummary } from "@/lib/db/queries/refused-calls";
import type { RequestLogPage, TokenUsage } from "@/lib/db/queries/usage";
import type { TokenDetail } from "@/lib/db/token-dto";
import { OUTCOMES, type OutcomeCounts } from "@/lib/domain/usage/outcomes";
import type { RequestLogParams } from "@/lib/validations/usage";

import { OUTCOME_STYLE } from "./outcome-style";
import { QuotaGauge } from "./quota-gauge";
import { RefusedCallsPanel } from "./refused-calls-panel";
import { RequestLogTable, type RequestLogView } from "./request-log-table";
import { ScopeUsagePanel } from "./scope-usage-panel";
import { TopList } from "./top-list";
import { UsageChart } from "./usage-chart";

/**
 * The usage part of a token's page: quota, last use, charts, top lists, scopes used, refused
 * calls, and the request log, as loaded at `now` (app/(dashboard)/[orgSlug]/tokens/[id]/token-usage.tsx).
 */
export function TokenUsageSection({
  token,
  orgSlug,
  canManage,
  usage,
  log,
  refused,
  params,
  now,
  retentionNotice,
}: {
  token: TokenDetail;
  orgSlug: string;
  canManage: boolean;
  usage: TokenUsage;
  log: RequestLogPage;
  refused: RefusedCallSummary[];
  /** The request log's filters and order, as parsed from the page's URL. */
  params: RequestLogParams;
  /** The page's moment: the quota shown here and in the page header is the same. */
  now: Date;
  /** How far back the request log goes (lib/domain/usage/retention-notice.ts). */
  retentionNotice: string;
}) {
  return (
    <section className="mt-8 space-y-4" aria-labelledby="usage-heading">
      <h2 id="usage-heading" className="text-lg font-semibold">
        Usage
      </h2>
      <div className="grid gap-4 md:grid-cols-3">
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <h3 className="mb-2 text-sm font-medium text-slate-900">Remaining quota</h3>
          <QuotaGauge {...usage.quota} now={now} />
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-4" data-testid="last-used">
          <h3 className="mb-2 text-sm font-medium text-slate-900">Last used</h3>
          {token.lastUsedAt ? (
            <dl className="space-y-1.5 text-sm">
              <LastUsed label="When">
                <RelativeTime date={token.lastUsedAt} />
              </LastUsed>
              <LastUsed label="Route">
                <code className="font-mono text-xs">{token.lastUsedRoute ?? "—"}</code>
              </LastUsed>
              <LastUsed label="Client IP">
                <code className="font-mono text-xs">{token.lastUsedIp ?? "—"}</code>
              </LastUsed>
              <LastUsed label="User agent">
                <span className="break-all text-xs text-slate-700">{token.lastUsedUserAgent ?? "—"}</span>
              </LastUsed>
            </dl>
          ) : (
            <p className="text-sm text-slate-500">Never used.</p>
          )}
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <h3 className="mb-2 text-sm font-medium text-slate-900">Requests</h3>
          <Totals label="Last 24 hours" counts={usage.totals.last24h} />
          <Totals label="Last 30 days" counts={usage.totals.last30d} />
        </div>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <UsageChart title="Last 24 hours, by hour (UTC)" buckets={usage.series.hourly} granularity="hour" />
        <UsageChart title="Last 30 days, by day (UTC)" buckets={usage.series.daily} granularity="day" />
      </div>
      <div className="grid gap-4 md:grid-cols-3">
        <TopList title="Top routes (30 days)" items={usage.top.routes} />
        <TopList title="Top client IPs (30 days)" items={usage.top.ips} emptyLabel="(no IP)" />
        <TopList title="Top user agents (30 days)" items={usage.top.userAgents} emptyLabel="(no user agent)" />
      </div>
      <ScopeUsagePanel
        usage={usage.scopes}
        orgSlug={orgSlug}
        tokenId={token.id}
        version={token.version}
        canManage={canManage}
        editable={token.status !== "REVOKED"}
      />
      <RefusedCallsPanel refused={refused} />
      <div>
        <h3 className="mb-1 text-base font-semibold">Request log</h3>
        <p className="mb-2 text-xs text-slate-500" data-testid="request-log-retention">
          {retentionNotice}
        </p>
        <RequestLogTable
          page={log}
          view={viewOf(params)}
          routeOptions={usage.routeOptions}
          csvPath={`/${orgSlug}/tokens/${token.id}/usage.csv`}
          renderedAt={now.toISOString()}
        />
      </div>
    </section>
  );
}

function viewOf(params: RequestLogParams): RequestLogView {
  return {
    from: params.from?.toISOString() ?? null,
    to: params.to?.toISOString() ?? null,
    status: params.status ? (params.status.kind === "code" ? String(params.status.code) : params.status.outcome) : "",
    route: params.route?.key ?? "",
    ip: params.ip ?? "",
    sort: params.sort,
    dir: params.dir,
  };
}

function LastUsed({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex gap-3">
      <dt className="w-20 shrink-0 text-slate-500">{label}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}

function Totals({ label, counts }: { label: string; counts: OutcomeCounts }) {
  const errors = OUTCOMES.filter((outcome) => outcome !== "success" && counts[outcome] > 0);
  return (
    <div className="mb-3 last:mb-0">
      <p className="text-xs text-slate-500">{label}</p>
      <p className="text-xl font-semibold tabular-nums">{counts.requests.toLocaleString("en")}</p>
      {errors.length > 0 && (
        <p className="text-xs text-slate-600">
          {errors.map((outcome) => `${counts[outcome].toLocaleString("en")} ${OUTCOME_STYLE[outcome].short}`).join(" · ")}
        </p>
      )}
    </div>
  );
}
