import type { Metadata } from "next";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { db } from "@/lib/db/client";
import { RelativeTime } from "@/components/format/relative-time";
import { AdminsOnly, EmptyState, PageHeader } from "@/components/shell/page-header";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  if (!can(access.role, "audit:view")) return <AdminsOnly />;
  const events = await db.auditEvent.findMany({
    where: { orgId: access.org.id },
    orderBy: { at: "desc" },
    take: 50,
    select: { id: true, at: true, actorLabel: true, action: true, targetType: true, targetId: true, ip: true },
  });
  return (
    <>
      <PageHeader title="Audit log" description="Every change to tokens and members, newest first." />
      {events.length === 0 ? (
        <EmptyState title="Nothing recorded yet." />
      ) : (
        <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
          {events.map((e) => (
            <li key={e.id} className="flex flex-wrap gap-x-4 px-4 py-2">
              <RelativeTime date={e.at} />
              <span className="font-medium">{e.actorLabel}</span>
              <span className="font-mono text-xs">{e.action}</span>
              <span className="text-slate-500">{e.ip}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
