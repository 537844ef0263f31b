import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";

import { AuditEventList } from "@/components/audit/audit-event-list";
import { RelativeTime, ResetTime } from "@/components/format/relative-time";
import { PageHeader } from "@/components/shell/page-header";
import {
  FORMER_ADMIN_LABEL,
  formerAdminExplanation,
  QUOTA_WINDOW_LABELS,
  STATUS_BADGES,
  VISIBILITY_LABELS,
} from "@/components/tokens/labels";
import { QuotaBar } from "@/components/tokens/quota-bar";
import { ScopeBadges } from "@/components/tokens/scope-badges";
import { TokenDetailActions } from "@/components/tokens/token-detail-actions";
import { Badge } from "@/components/ui/badge";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { recentTokenEvents } from "@/lib/db/queries/audit";
import { getTokenForViewer } from "@/lib/db/queries/tokens";
import { holdsTokenManagementScope } from "@/lib/domain/tokens/authority";
import { displayStatus } from "@/lib/domain/tokens/status";

import { TokenUsage } from "./token-usage";

export const metadata: Metadata = { title: "API token" };

const tokenIdSchema = z.uuid();

export default async function TokenPage({
  params,
  searchParams,
}: {
  params: Promise<{ orgSlug: string; id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orgSlug, id } = await params;
  const access = await requireOrgPage(orgSlug);
  // A malformed id, another org's token and (for members) an admin-only token are the same 404.
  if (!tokenIdSchema.safeParse(id).success) notFound();
  // One moment for the whole page, so the header and the usage section show the same quota.
  const now = new Date();
  const token = await getTokenForViewer(access.org.id, access.role, id, now);
  if (!token) notFound();
  const canManage = can(access.role, "tokens:manage");
  const events = can(access.role, "audit:view") ? await recentTokenEvents(access.org.id, token.id) : null;
  const status = displayStatus(token, now);
  const base = `/${access.org.slug}`;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href={`${base}/tokens`} className="text-indigo-700 hover:underline">
          ← API tokens
        </Link>
      </nav>
      <PageHeader
        title={token.name}
        actions={
          <TokenDetailActions
            orgSlug={access.org.slug}
            canManage={canManage}
            // Only what the dialogs need crosses to the browser.
            token={{
              id: token.id,
              name: token.name,
              maskedValue: token.maskedValue,
              scopes: token.scopes,
              serviceScopes: token.serviceScopes,
              visibility: token.visibility,
              status,
              quotaMax: token.quotaMax,
              quotaWindow: token.quotaWindow,
              expiresAt: token.expiresAt,
              allowedNetworks: token.allowedNetworks,
              version: token.version,
            }}
          />
        }
      />
      <dl className="grid gap-x-6 gap-y-4 rounded-lg border border-slate-200 bg-white p-5 text-sm sm:grid-cols-2 lg:grid-cols-3">
        <Detail label="Token">
          <code className="font-mono">{token.maskedValue}</code>
        </Detail>
        <Detail label="Status">
          <Badge tone={STATUS_BADGES[status].tone}>{STATUS_BADGES[status].label}</Badge>
        </Detail>
        <Detail label="Visibility">{VISIBILITY_LABELS[token.visibility]}</Detail>
        <Detail label="Scopes">
          <ScopeBadges scopes={token.scopes} />
        </Detail>
        {token.serviceScopes.length > 0 && (
          <Detail label="Service scopes">
            <ul aria-label="Service scopes" className="flex flex-wrap gap-x-3 gap-y-0.5">
              {token.serviceScopes.map((ref) => (
                <li key={ref}>
                  <code className="break-all font-mono text-xs">{ref}</code>
                </li>
              ))}
            </ul>
          </Detail>
        )}
        <Detail label={`Quota (${QUOTA_WINDOW_LABELS[token.quota.window]})`}>
          <QuotaBar {...token.quota} />
          <p className="mt-1 text-xs text-slate-500">
            Resets <ResetTime date={token.quota.resetsAt} now={now} />
          </p>
        </Detail>
        <Detail label="Allowed networks">
          {token.allowedNetworks.length === 0 ? (
            "Any address"
          ) : (
            <ul aria-label="Allowed networks" className="flex flex-wrap gap-x-3 gap-y-0.5">
              {token.allowedNetworks.map((network) => (
                <li key={network}>
                  <code className="break-all font-mono text-xs">{network}</code>
                </li>
              ))}
            </ul>
          )}
        </Detail>
        <Detail label="Expires">
          <RelativeTime date={token.expiresAt} fallback="Never" />
        </Detail>
        <Detail label="Last used">
          <RelativeTime date={token.lastUsedAt} />
          {token.lastUsedRoute && <p className="text-xs text-slate-500">{token.lastUsedRoute}</p>}
          {canManage && token.lastUsedIp && <p className="text-xs text-slate-500">from {token.lastUsedIp}</p>}
        </Detail>
        <Detail label="Created">
          <RelativeTime date={token.createdAt} />
          {token.createdBy.email && <p className="text-xs text-slate-500">by {token.createdBy.email}</p>}
          {token.createdByFormerAdmin && (
            <div className="mt-1">
              <Badge tone="amber">{FORMER_ADMIN_LABEL}</Badge>
              <p className="mt-1 text-xs text-amber-800">{formerAdminExplanation(holdsTokenManagementScope(token.scopes))}</p>
            </div>
          )}
        </Detail>
        <Detail label="Last rotated">
          <RelativeTime date={token.rotatedAt} fallback="Never" />
          {/* Only an active token's replaced value still authenticates, and only until its grace period ends. */}
          {status === "ACTIVE" && token.previousValueValidUntil && token.previousValueValidUntil > new Date() && (
            <p className="text-xs text-amber-700" data-testid="previous-value-grace">
              The previous value stops working <RelativeTime date={token.previousValueValidUntil} />
            </p>
          )}
        </Detail>
        <Detail label="Group id">
          <code className="break-all font-mono text-xs">{token.id}</code>
        </Detail>
      </dl>
      <TokenUsage token={token} now={now} orgSlug={access.org.slug} canManage={canManage} searchParams={await searchParams} />
      {events && (
        <section className="mt-8">
          <div className="mb-3 flex items-baseline justify-between">
            <h2 className="text-lg font-semibold">Recent activity</h2>
            <Link href={`${base}/audit?token=${token.id}`} className="text-sm text-indigo-700 hover:underline">
              Full audit log for this token
            </Link>
          </div>
          <AuditEventList events={events} />
        </section>
      )}
    </>
  );
}

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1">{children}</dd>
    </div>
  );
}
