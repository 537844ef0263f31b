"use client";

import { useState } from "react";

import { RelativeTime } from "@/components/format/relative-time";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";

import { MemberRoleForm } from "./member-role-form";
import { RemoveMemberDialog } from "./remove-member-dialog";

export type MemberItem = {
  userId: string;
  name: string | null;
  email: string;
  githubLogin: string | null;
  role: "ADMIN" | "MEMBER";
  joinedAt: Date;
  lastActiveAt: Date | null;
};

/**
 * Everyone in the org. Admins get role and remove controls; the server decides either way.
 * The removal dialog lives here, not in the row, so it stays open for the offboarding step
 * after the removed person's row is gone.
 */
export function MembersTable({
  orgSlug,
  members,
  currentUserId,
  canManage,
}: {
  orgSlug: string;
  members: MemberItem[];
  currentUserId: string;
  canManage: boolean;
}) {
  const [removing, setRemoving] = useState<{ userId: string; email: string } | null>(null);
  // Focusable: a member sees no buttons in it, and keyboard users must still be able to scroll it on a phone.
  return (
    <div
      role="region"
      aria-label="Members (scrolls sideways)"
      tabIndex={0}
      className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white"
    >
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Members">
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-4 py-2">Name</th>
            <th className="px-4 py-2">Email</th>
            <th className="px-4 py-2">GitHub</th>
            <th className="px-4 py-2">Role</th>
            <th className="px-4 py-2">Joined</th>
            <th className="px-4 py-2">Last active</th>
            {canManage && (
              <th className="px-4 py-2">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {members.map((m) => (
            <tr key={m.userId}>
              <td className="px-4 py-2 font-medium">
                {m.name ?? "—"} {m.userId === currentUserId && <span className="text-xs font-normal text-slate-500">(you)</span>}
              </td>
              <td className="px-4 py-2">{m.email}</td>
              <td className="px-4 py-2">{m.githubLogin ? `@${m.githubLogin}` : "—"}</td>
              <td className="px-4 py-2">
                {canManage ? (
                  <MemberRoleForm key={m.role} orgSlug={orgSlug} userId={m.userId} email={m.email} role={m.role} />
                ) : (
                  <Badge tone={m.role === "ADMIN" ? "indigo" : "gray"}>{m.role === "ADMIN" ? "Admin" : "Member"}</Badge>
                )}
              </td>
              <td className="px-4 py-2">
                <RelativeTime date={m.joinedAt} />
              </td>
              <td className="px-4 py-2">
                <RelativeTime date={m.lastActiveAt} />
              </td>
              {canManage && (
                <td className="px-4 py-2 text-right">
                  {m.userId !== currentUserId && (
                    <Button
                      type="button"
                      variant="ghost"
                      className="text-red-700"
                      aria-label={`Remove ${m.email}`}
                      onClick={() => setRemoving({ userId: m.userId, email: m.email })}
                    >
                      Remove
                    </Button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {removing && (
        <RemoveMemberDialog orgSlug={orgSlug} userId={removing.userId} email={removing.email} onClose={() => setRemoving(null)} />
      )}
    </div>
  );
}
