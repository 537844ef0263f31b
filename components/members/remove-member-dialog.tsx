"use client";

import { useActionState } from "react";

import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormMessage } from "@/components/ui/field";
import { removeMember } from "@/lib/actions/members";

import { ExposedTokenList } from "./exposed-token-list";
import { RotateExposedForm } from "./rotate-exposed-form";

/** Confirms a removal, then shows the offboarding step for the tokens the person has seen. */
export function RemoveMemberDialog({
  orgSlug,
  userId,
  email,
  onClose,
}: {
  orgSlug: string;
  userId: string;
  email: string;
  onClose: () => void;
}) {
  const [state, formAction, isPending] = useActionState(removeMember, undefined);
  if (state?.ok && state.data) {
    const { exposedTokens } = state.data;
    return (
      <Dialog title={`${email} was removed`} onClose={onClose} wide>
        <div className="space-y-4 text-sm">
          <p>They lost access at once and were signed out of Keyward.</p>
          {exposedTokens.length === 0 ? (
            <p>They have not revealed, copied, created or rotated any token that is still live. Nothing to rotate.</p>
          ) : (
            <>
              <p>
                They know the current value of {exposedTokens.length === 1 ? "this token" : `these ${exposedTokens.length} tokens`}. Rotate
                {exposedTokens.length === 1 ? " it" : " them"} so the values they saw stop working:
              </p>
              <ExposedTokenList tokens={exposedTokens} />
              <RotateExposedForm orgSlug={orgSlug} userId={userId} count={exposedTokens.length} />
            </>
          )}
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog
      title={`Remove ${email}?`}
      description="They lose access on their very next request and are signed out of Keyward."
      onClose={onClose}
    >
      <form action={formAction} className="space-y-3">
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <input type="hidden" name="userId" value={userId} />
        <FormMessage message={state?.message} ok={state?.ok} />
        <div className="flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={isPending}>
            {isPending ? "Removing…" : "Remove member"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
