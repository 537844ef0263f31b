import type { Metadata } from "next";
import { requireOrgPage } from "@/lib/auth/org-access";
import { listTokensForViewer } from "@/lib/db/queries/tokens";
import { RelativeTime } from "@/components/format/relative-time";
import { EmptyState, PageHeader } from "@/components/shell/page-header";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const tokens = await listTokensForViewer(access.org.id, access.role);
  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          access.role === "ADMIN"
            ? "Every token of the organization."
            : "Tokens your admins made visible to organization members."
        }
      />
      {tokens.length === 0 ? (
        <EmptyState title="No tokens to show yet." />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2">Name</th>
                <th className="px-4 py-2">Token</th>
                <th className="px-4 py-2">Scopes</th>
                <th className="px-4 py-2">Visibility</th>
                <th className="px-4 py-2">Status</th>
                <th className="px-4 py-2">Quota</th>
                <th className="px-4 py-2">Last used</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td className="px-4 py-2 font-medium">{t.name}</td>
                  <td className="px-4 py-2 font-mono text-xs">{t.maskedValue}</td>
                  <td className="px-4 py-2">{t.scopes.join(", ") || "—"}</td>
                  <td className="px-4 py-2">{t.visibility === "ADMIN_ONLY" ? "Admin only" : "Organization members"}</td>
                  <td className="px-4 py-2">{t.status.toLowerCase()}</td>
                  <td className="px-4 py-2">{t.quotaRemaining.toLocaleString("en")} / {t.quotaMax.toLocaleString("en")}</td>
                  <td className="px-4 py-2"><RelativeTime date={t.lastUsedAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
