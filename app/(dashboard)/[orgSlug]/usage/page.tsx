import type { Metadata } from "next";
import { requireOrgPage } from "@/lib/auth/org-access";
import { db } from "@/lib/db/client";
import { visibleTokensWhere } from "@/lib/db/queries/tokens";
import { PageHeader } from "@/components/shell/page-header";

export const metadata: Metadata = { title: "Usage" };

export default async function UsagePage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const since = new Date(Date.now() - 24 * 3600_000);
  const visible = visibleTokensWhere(access.org.id, access.role);
  const [requests, tokens] = await Promise.all([
    db.usageEvent.count({ where: { orgId: access.org.id, at: { gte: since }, tokenId: { in: (await db.apiToken.findMany({ where: visible, select: { id: true } })).map((t) => t.id) } } }),
    db.apiToken.count({ where: { ...visible, status: "ACTIVE" } }),
  ]);
  return (
    <>
      <PageHeader title="Usage" description="How the organization's tokens are used." />
      <dl className="grid gap-4 sm:grid-cols-2">
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <dt className="text-sm text-slate-500">API requests, last 24 hours</dt>
          <dd className="text-2xl font-semibold">{requests.toLocaleString("en")}</dd>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <dt className="text-sm text-slate-500">Active tokens</dt>
          <dd className="text-2xl font-semibold">{tokens.toLocaleString("en")}</dd>
        </div>
      </dl>
    </>
  );
}
