import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";

import { RelativeTime } from "@/components/format/relative-time";
import { DismissLeakButton, EndGraceButton } from "@/components/incidents/incident-buttons";
import { ACTION_LABELS, formatGrace, incidentStatusBadge } from "@/components/incidents/labels";
import { IncidentSettingsForm } from "@/components/incidents/settings-form";
import { AdminsOnly, EmptyState, PageHeader } from "@/components/shell/page-header";
import { STATUS_BADGES } from "@/components/tokens/labels";
import { Badge } from "@/components/ui/badge";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import {
  getIncidentSettings,
  GRACE_PAGE_SIZE,
  listExpiringTokens,
  listGraceTraffic,
  listIncidents,
  listLeakReportedTokens,
} from "@/lib/db/queries/incidents";

export const metadata: Metadata = { title: "Incidents" };

const pageSchema = z.coerce.number().int().min(1).max(100_000).catch(1);

export default async function IncidentsPage({
  params,
  searchParams,
}: {
  params: Promise<{ orgSlug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  if (!can(access.role, "incidents:manage")) return <AdminsOnly />;
  const gracePage = pageSchema.parse((await searchParams).gracePage);
  const [leaked, expiring, grace, incidents, settings] = await Promise.all([
    listLeakReportedTokens(access.org.id),
    listExpiringTokens(access.org.id),
    listGraceTraffic(access.org.id, gracePage),
    listIncidents(access.org.id),
    getIncidentSettings(access.org.id),
  ]);
  const base = `/${access.org.slug}`;
  const tokenLink = (id: string, name: string) => (
    <Link href={`${base}/tokens/${id}`} className="font-medium text-indigo-700 hover:underline">
      {name}
    </Link>
  );
  return (
    <>
      <PageHeader
        title="Incidents"
        description="Respond to a leak in minutes: find out which token a string is, rotate or disable many tokens at once, and watch old values fade out."
        actions={
          <div className="flex gap-2">
            <Link
              href={`${base}/incidents/lookup`}
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50"
            >
              Which token is this?
            </Link>
            <Link
              href={`${base}/incidents/new`}
              className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
            >
              New bulk operation
            </Link>
          </div>
        }
      />
      <div className="space-y-8">
        {leaked.length > 0 && (
          <section id="leaks" aria-labelledby="leaks-heading">
            <h2 id="leaks-heading" className="mb-1 font-medium text-red-800">
              Reported leaked
            </h2>
            <p className="mb-2 text-sm text-slate-600">
              A secret scanner found these tokens in a public place. Rotate or revoke them; dismiss a report once it is handled.
            </p>
            <ul className="divide-y divide-slate-100 rounded-lg border border-red-200 bg-white text-sm">
              {leaked.map((token) => (
                <li key={token.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2" data-testid="leaked-token">
                  {tokenLink(token.id, token.name)}
                  <span className="font-mono text-xs text-slate-500">{token.maskedValue}</span>
                  <Badge tone={STATUS_BADGES[token.status].tone}>{STATUS_BADGES[token.status].label}</Badge>
                  <span className="text-slate-600">
                    reported <RelativeTime date={token.leakReportedAt} />
                  </span>
                  {token.leakReportSource && <span className="max-w-md truncate text-slate-500">{token.leakReportSource}</span>}
                  <span className="ml-auto">
                    <DismissLeakButton orgSlug={access.org.slug} tokenId={token.id} />
                  </span>
                </li>
              ))}
            </ul>
          </section>
        )}

        <section id="expiring" aria-labelledby="expiring-heading">
          <h2 id="expiring-heading" className="mb-2 font-medium">
            Expiring within 7 days
          </h2>
          {expiring.length === 0 ? (
            <p className="text-sm text-slate-500">No active token expires in the next 7 days.</p>
          ) : (
            <ul className="divide-y divide-slate-100 rounded-lg border border-amber-200 bg-white text-sm">
              {expiring.map((token) => (
                <li key={token.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2" data-testid="expiring-token">
                  {tokenLink(token.id, token.name)}
                  <span className="font-mono text-xs text-slate-500">{token.maskedValue}</span>
                  <span className="text-slate-700">
                    expires <RelativeTime date={token.expiresAt} />
                  </span>
                  <span className="text-slate-500">
                    last used <RelativeTime date={token.lastUsedAt} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section id="grace" aria-labelledby="grace-heading">
          <h2 id="grace-heading" className="mb-1 font-medium">
            Old values in their grace period
          </h2>
          <p className="mb-2 text-sm text-slate-600">
            Requests still made with a value a rotation replaced. Once nobody uses it, end its grace period.
          </p>
          {grace.rows.length === 0 ? (
            <p className="text-sm text-slate-500">No replaced value is still working.</p>
          ) : (
            <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="w-full text-left text-sm" aria-label="Old values in their grace period">
                <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="px-4 py-2">Token</th>
                    <th className="px-2 py-2">Old → new value</th>
                    <th className="px-2 py-2">Requests since rotation</th>
                    <th className="px-2 py-2">Last request with the old value</th>
                    <th className="px-2 py-2">Grace ends</th>
                    <th className="px-2 py-2">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {grace.rows.map((row) => (
                    <tr key={`${row.tokenId}-${row.oldValue}`} data-testid="grace-row">
                      <td className="px-4 py-2">{tokenLink(row.tokenId, row.tokenName)}</td>
                      <td className="px-2 py-2 font-mono text-xs">
                        {row.oldValue} → {row.currentValue}
                      </td>
                      <td className="px-2 py-2" data-testid="grace-requests">
                        {row.requestsSinceRotation.toLocaleString("en")}
                      </td>
                      <td className="px-2 py-2 text-slate-700">
                        <RelativeTime date={row.lastUsedAt} />
                        {row.lastUsedIp && <span className="text-slate-500"> from {row.lastUsedIp}</span>}
                        {row.quietForAnHour && (
                          <div className="text-xs text-green-700">Unused for the last hour: safe to end the grace period.</div>
                        )}
                      </td>
                      <td className="px-2 py-2 text-slate-700">
                        <RelativeTime date={row.validUntil} />
                      </td>
                      <td className="px-2 py-2 text-right">
                        <EndGraceButton orgSlug={access.org.slug} tokenId={row.tokenId} tokenName={row.tokenName} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {grace.total > GRACE_PAGE_SIZE && (
            <nav aria-label="Grace period pages" className="mt-2 flex gap-3 text-sm">
              {gracePage > 1 && (
                <Link href={`?gracePage=${gracePage - 1}#grace`} className="text-indigo-700 hover:underline">
                  ← Previous
                </Link>
              )}
              <span>
                {grace.total} old values · page {gracePage} of {Math.ceil(grace.total / GRACE_PAGE_SIZE)}
              </span>
              {gracePage * GRACE_PAGE_SIZE < grace.total && (
                <Link href={`?gracePage=${gracePage + 1}#grace`} className="text-indigo-700 hover:underline">
                  Next →
                </Link>
              )}
            </nav>
          )}
        </section>

        <section aria-labelledby="incidents-heading">
          <h2 id="incidents-heading" className="mb-2 font-medium">
            Bulk operations
          </h2>
          {incidents.length === 0 ? (
            <EmptyState title="No bulk operation yet.">Start one to rotate, disable, hide or revoke many tokens at once.</EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
              {incidents.map((incident) => {
                const status = incidentStatusBadge(incident);
                return (
                  <li key={incident.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2">
                    <Link href={`${base}/incidents/${incident.id}`} className="font-medium text-indigo-700 hover:underline">
                      {ACTION_LABELS[incident.action].label} {incident.progress.total} token{incident.progress.total === 1 ? "" : "s"}
                    </Link>
                    {incident.action === "ROTATE" && <span className="text-slate-500">{formatGrace(incident.graceSeconds)}</span>}
                    <Badge tone={status.tone}>{status.label}</Badge>
                    <span className="text-slate-600">
                      {incident.progress.done} done, {incident.progress.skipped} skipped
                    </span>
                    <span className="ml-auto text-slate-500">
                      {incident.createdBy}, <RelativeTime date={incident.createdAt} />
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
        </section>

        <section aria-labelledby="settings-heading" className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 id="settings-heading" className="mb-3 font-medium">
            Settings
          </h2>
          <IncidentSettingsForm orgSlug={access.org.slug} settings={settings} />
        </section>
      </div>
    </>
  );
}
