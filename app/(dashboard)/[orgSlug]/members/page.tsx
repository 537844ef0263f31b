import type { Metadata } from "next";
import { requireOrgPage } from "@/lib/auth/org-access";
import { listMembers } from "@/lib/db/queries/members";
import { RelativeTime } from "@/components/format/relative-time";
import { PageHeader } from "@/components/shell/page-header";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const members = await listMembers(access.org.id);
  return (
    <>
      <PageHeader title="Members" description={`People in ${access.org.name}.`} />
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-2">Name</th>
              <th className="px-4 py-2">Email</th>
              <th className="px-4 py-2">GitHub</th>
              <th className="px-4 py-2">Role</th>
              <th className="px-4 py-2">Joined</th>
              <th className="px-4 py-2">Last active</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {members.map((m) => (
              <tr key={m.userId}>
                <td className="px-4 py-2 font-medium">{m.name ?? "—"}</td>
                <td className="px-4 py-2">{m.email}</td>
                <td className="px-4 py-2">{m.githubLogin ?? "—"}</td>
                <td className="px-4 py-2">{m.role === "ADMIN" ? "Admin" : "Member"}</td>
                <td className="px-4 py-2"><RelativeTime date={m.joinedAt} /></td>
                <td className="px-4 py-2"><RelativeTime date={m.lastActiveAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
