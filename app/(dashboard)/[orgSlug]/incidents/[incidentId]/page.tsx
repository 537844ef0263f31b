import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";

import { RelativeTime } from "@/components/format/relative-time";
import { EndIncidentGraceButton, ProgressPoller, ResumeIncidentButton } from "@/components/incidents/incident-buttons";
import { ACTION_LABELS, describeFilter, formatGrace, incidentStatusBadge, ITEM_STATE_BADGES } from "@/components/incidents/labels";
import { AdminsOnly, PageHeader } from "@/components/shell/page-header";
import { Badge } from "@/components/ui/badge";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { countIncidentValuesInGrace, getIncident, incidentAuditTrail, listTokenCreators } from "@/lib/db/queries/incidents";

export const metadata: Metadata = { title: "Incident" };

const idSchema = z.uuid();
const pageSchema = z.coerce.number().int().min(1).max(100_000).catch(1);

export default async function IncidentPage({
  params,
  searchParams,
}: {
  params: Promise<{ orgSlug: string; incidentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orgSlug, incidentId } = await params;
  const access = await requireOrgPage(orgSlug);
  if (!can(access.role, "incidents:manage")) return <AdminsOnly />;
  if (!idSchema.safeParse(incidentId).success) notFound();
  const page = pageSchema.parse((await searchParams).page);
  const incident = await getIncident(access.org.id, incidentId, page);
  if (!incident) notFound();
  const [trail, creators, inGrace] = await Promise.all([
    incidentAuditTrail(access.org.id, incidentId),
    listTokenCreators(access.org.id),
    countIncidentValuesInGrace(access.org.id, incidentId),
  ]);
  const { progress } = incident;
  const finished = progress.done + progress.skipped;
  const percent = progress.total === 0 ? 100 : Math.floor((finished / progress.total) * 100);
  const status = incidentStatusBadge(incident);
  const running = incident.status === "RUNNING" && !incident.stalled;
  const base = `/${access.org.slug}`;
  return (
    <>
      <ProgressPoller active={running} />
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href={`${base}/incidents`} className="text-indigo-700 hover:underline">
          ← Incidents
        </Link>
      </nav>
      <PageHeader
        title={`${ACTION_LABELS[incident.action].label}: ${progress.total} token${progress.total === 1 ? "" : "s"}`}
        description={`Started by ${incident.createdBy} · ${describeFilter(incident.filter, new Map(creators.map((c) => [c.id, c.email])))}${incident.action === "ROTATE" ? ` · ${formatGrace(incident.graceSeconds)}` : ""}`}
        actions={
          <div className="flex items-start gap-2">
            {incident.stalled && <ResumeIncidentButton orgSlug={access.org.slug} incidentId={incident.id} />}
            {inGrace > 0 && <EndIncidentGraceButton orgSlug={access.org.slug} incidentId={incident.id} count={inGrace} />}
          </div>
        }
      />

      <section aria-labelledby="progress-heading" className="mb-6 space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        <div className="flex flex-wrap items-center gap-3">
          <h2 id="progress-heading" className="font-medium">
            Progress
          </h2>
          <Badge tone={status.tone}>
            <span data-testid="incident-status">{status.label}</span>
          </Badge>
          <span className="text-sm text-slate-600">
            started <RelativeTime date={incident.createdAt} />
            {incident.finishedAt && (
              <>
                {" "}
                · finished <RelativeTime date={incident.finishedAt} />
              </>
            )}
          </span>
        </div>
        <div
          role="progressbar"
          aria-label="Tokens processed"
          aria-valuemin={0}
          aria-valuemax={progress.total}
          aria-valuenow={finished}
          className="h-2 overflow-hidden rounded bg-slate-100"
        >
          <div className="h-full bg-indigo-600 transition-all" style={{ width: `${percent}%` }} />
        </div>
        <p className="text-sm text-slate-700" aria-live="polite" data-testid="incident-progress">
          {finished} of {progress.total} processed: {progress.done} done, {progress.skipped} skipped, {progress.pending} pending.
        </p>
        {incident.stalled && (
          <p className="text-sm text-red-700">
            This operation stopped before finishing (the server restarted or crashed). Resume it: tokens already done are skipped, none is
            changed twice.
          </p>
        )}
        {incident.action === "ROTATE" && inGrace === 0 && progress.done > 0 && (
          <p className="text-sm text-slate-700" data-testid="grace-over">
            The old values of these tokens no longer work.
          </p>
        )}
        {inGrace > 0 && (
          <p className="text-sm text-slate-700">
            {inGrace} old value{inGrace === 1 ? " is" : "s are"} still in the grace period.{" "}
            <Link href={`${base}/incidents#grace`} className="text-indigo-700 hover:underline">
              See who still uses them
            </Link>
            .
          </p>
        )}
      </section>

      <section aria-labelledby="items-heading" className="mb-6">
        <h2 id="items-heading" className="mb-2 font-medium">
          Tokens
        </h2>
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2">Token</th>
                <th className="px-2 py-2">State</th>
                {incident.action === "ROTATE" && <th className="px-2 py-2">New value</th>}
                <th className="px-2 py-2">When</th>
                <th className="px-2 py-2">Note</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {incident.items.map((item) => (
                <tr key={item.tokenId} data-testid="incident-item">
                  <td className="px-4 py-2">
                    <Link href={`${base}/tokens/${item.tokenId}`} className="font-medium text-indigo-700 hover:underline">
                      {item.tokenName}
                    </Link>
                  </td>
                  <td className="px-2 py-2">
                    <Badge tone={ITEM_STATE_BADGES[item.state].tone}>{ITEM_STATE_BADGES[item.state].label}</Badge>
                  </td>
                  {incident.action === "ROTATE" && <td className="px-2 py-2 font-mono text-xs">{item.newValue ?? "—"}</td>}
                  <td className="px-2 py-2 text-slate-600">
                    <RelativeTime date={item.doneAt} fallback="—" />
                  </td>
                  <td className="px-2 py-2 text-slate-600">{item.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {incident.itemPages > 1 && (
          <nav aria-label="Token pages" className="mt-2 flex items-center gap-3 text-sm">
            {incident.itemsPage > 1 && (
              <Link href={`?page=${incident.itemsPage - 1}`} className="text-indigo-700 hover:underline">
                ← Previous
              </Link>
            )}
            <span>
              Page {incident.itemsPage} of {incident.itemPages}
            </span>
            {incident.itemsPage < incident.itemPages && (
              <Link href={`?page=${incident.itemsPage + 1}`} className="text-indigo-700 hover:underline">
                Next →
              </Link>
            )}
          </nav>
        )}
      </section>

      <section aria-labelledby="trail-heading">
        <h2 id="trail-heading" className="mb-1 font-medium">
          Audit trail
        </h2>
        <p className="mb-2 text-sm text-slate-600">
          Every event of this operation, newest first. New values are identified by their last four characters and a prefix of their SHA-256
          hash; the values themselves are never logged.
        </p>
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm" aria-label="Audit trail">
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2">When</th>
                <th className="px-2 py-2">Event</th>
                <th className="px-2 py-2">Token</th>
                <th className="px-2 py-2">Value</th>
                <th className="px-2 py-2">By</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {trail.map((event) => (
                <tr key={event.id} data-testid="trail-event">
                  <td className="px-4 py-2 text-slate-600">
                    <RelativeTime date={event.at} />
                  </td>
                  <td className="px-2 py-2 font-mono text-xs">{event.action}</td>
                  <td className="px-2 py-2">{event.tokenName ?? "—"}</td>
                  <td className="px-2 py-2 font-mono text-xs">
                    {event.lastFourAfter ? (
                      <span data-testid="trail-new-value">
                        …{event.lastFourBefore} → …{event.lastFourAfter}
                        {event.newValueHashPrefix && <span className="text-slate-500"> (sha256 {event.newValueHashPrefix}…)</span>}
                      </span>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td className="px-2 py-2 text-slate-600">{event.actor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
