"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { resendInvitation, revokeInvitation } from "@/lib/actions/invitations";
import { CopyLink } from "./copy-link";

export function InvitationActions({ orgSlug, invitationId, invitee }: { orgSlug: string; invitationId: string; invitee: string }) {
  const [resent, resendAction, resending] = useActionState(resendInvitation, undefined);
  const [revoked, revokeAction, revoking] = useActionState(revokeInvitation, undefined);
  const link = resent?.ok ? resent.data?.link : undefined;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-1">
        <form action={resendAction}>
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="invitationId" value={invitationId} />
          <Button type="submit" variant="ghost" disabled={resending} aria-label={`Re-send the invitation to ${invitee}`}>
            {resending ? "Sending…" : "Re-send"}
          </Button>
        </form>
        <form
          action={revokeAction}
          onSubmit={(e) => {
            if (!confirm(`Revoke the invitation to ${invitee}? Its link stops working.`)) e.preventDefault();
          }}
        >
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="invitationId" value={invitationId} />
          <Button type="submit" variant="ghost" className="text-red-700" disabled={revoking} aria-label={`Revoke the invitation to ${invitee}`}>
            Revoke
          </Button>
        </form>
      </div>
      {link && <CopyLink label={`New link for ${invitee} (shown only now)`} link={link} />}
      <FormMessage message={(resent ?? revoked)?.message} ok={(resent ?? revoked)?.ok} />
    </div>
  );
}
