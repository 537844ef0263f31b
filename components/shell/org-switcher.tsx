"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";

import { acceptPendingInvitation } from "@/lib/actions/invitations";

const INVITATION = "invitation:";

export function OrgSwitcher({
  current,
  orgs,
  invitations = [],
}: {
  current: string;
  orgs: { slug: string; name: string }[];
  /** Orgs that invited this user; choosing one joins it. */
  invitations?: { id: string; orgName: string }[];
}) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [joining, startJoining] = useTransition();
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">Organization</span>
      <select
        aria-label="Organization"
        value={current}
        disabled={joining}
        onChange={(e) => {
          const value = e.target.value;
          if (!value.startsWith(INVITATION)) return router.push(`/${value}/tokens`);
          startJoining(async () => {
            // Redirects into the org on success.
            const result = await acceptPendingInvitation(undefined, { invitationId: value.slice(INVITATION.length) });
            if (!result.ok) setError(result.message);
          });
        }}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-medium shadow-sm focus:outline-none focus:ring-1 focus:ring-indigo-500"
      >
        {orgs.map((o) => (
          <option key={o.slug} value={o.slug}>
            {o.name}
          </option>
        ))}
        {invitations.length > 0 && (
          <optgroup label="Invitations">
            {invitations.map((i) => (
              <option key={i.id} value={`${INVITATION}${i.id}`}>
                Join {i.orgName}
              </option>
            ))}
          </optgroup>
        )}
      </select>
      {error && (
        <span role="alert" className="text-xs text-red-600">
          {error}
        </span>
      )}
    </label>
  );
}
