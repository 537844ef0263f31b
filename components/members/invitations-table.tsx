import { RelativeTime } from "@/components/format/relative-time";
import { Badge } from "@/components/ui/badge";
import type { InvitationRow } from "@/lib/db/queries/members";

import { InvitationActions } from "./invitation-actions";

export function InvitationsTable({ orgSlug, invitations }: { orgSlug: string; invitations: InvitationRow[] }) {
  return (
    <section aria-labelledby="invitations-heading" className="rounded-lg border border-slate-200 bg-white">
      <h2 id="invitations-heading" className="border-b border-slate-200 px-4 py-3 text-base font-semibold">
        Open invitations
      </h2>
      {invitations.length === 0 ? (
        <p className="px-4 py-6 text-center text-sm text-slate-500">No open invitations.</p>
      ) : (
        <div role="region" aria-label="Open invitations (scrolls sideways)" tabIndex={0} className="relative overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Open invitations">
            <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2">Invitee</th>
                <th className="px-4 py-2">Role</th>
                <th className="px-4 py-2">Invited by</th>
                <th className="px-4 py-2">Sent</th>
                <th className="px-4 py-2">Expires</th>
                <th className="px-4 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {invitations.map((i) => {
                const invitee = i.email ?? `@${i.githubLogin}`;
                return (
                  <tr key={i.id}>
                    <td className="px-4 py-2 font-medium">
                      {invitee} {i.githubLogin && <span className="text-xs font-normal text-slate-500">(GitHub)</span>}
                    </td>
                    <td className="px-4 py-2">{i.role === "ADMIN" ? "Admin" : "Member"}</td>
                    <td className="px-4 py-2">{i.invitedBy ?? "—"}</td>
                    <td className="px-4 py-2">
                      <RelativeTime date={i.sentAt} />
                    </td>
                    <td className="px-4 py-2">
                      {i.state === "expired" ? <Badge tone="red">Expired</Badge> : <RelativeTime date={i.expiresAt} />}
                    </td>
                    <td className="px-4 py-2 text-right">
                      <InvitationActions orgSlug={orgSlug} invitationId={i.id} invitee={invitee} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
