"use client";

import { useActionState, useState } from "react";

import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/field";
import { ShownOnceSecret } from "@/components/ui/secret-value";
import { resendInvitation, revokeInvitation } from "@/lib/actions/invitations";

export function InvitationActions({ orgSlug, invitationId, invitee }: { orgSlug: string; invitationId: string; invitee: string }) {
  const [resent, resendAction, resending] = useActionState(resendInvitation, undefined);
  const [revoked, revokeAction, revoking] = useActionState(revokeInvitation, undefined);
  const [confirming, setConfirming] = useState(false);
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
        <Button
          type="button"
          variant="ghost"
          className="text-red-700"
          disabled={revoking}
          aria-label={`Revoke the invitation to ${invitee}`}
          onClick={() => setConfirming(true)}
        >
          Revoke
        </Button>
      </div>
      {/* The product's dialog, not the browser's confirm(): focus-trapped, labelled, Escape cancels. */}
      {confirming && !revoked?.ok && (
        <ConfirmDialog
          title="Revoke this invitation?"
          body={`The invitation to ${invitee} is withdrawn and its link stops working.`}
          confirmLabel="Revoke invitation"
          pendingLabel="Revoking…"
          pending={revoking}
          form={{ action: revokeAction }}
          onCancel={() => setConfirming(false)}
        >
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="invitationId" value={invitationId} />
        </ConfirmDialog>
      )}
      {link && (
        <ShownOnceSecret label={`New invitation link for ${invitee}`} value={link}>
          Send it to them yourself.
        </ShownOnceSecret>
      )}
      <FormMessage message={(resent ?? revoked)?.message} ok={(resent ?? revoked)?.ok} />
    </div>
  );
}
