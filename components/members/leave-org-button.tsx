"use client";

import { useActionState, useState } from "react";

import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormMessage } from "@/components/ui/field";
import { leaveOrganization } from "@/lib/actions/members";

export function LeaveOrgButton({ orgSlug, orgName }: { orgSlug: string; orgName: string }) {
  const [open, setOpen] = useState(false);
  const [state, formAction, isPending] = useActionState(leaveOrganization, undefined);
  return (
    <>
      <Button type="button" variant="secondary" onClick={() => setOpen(true)}>
        Leave organization
      </Button>
      {open && (
        <Dialog
          title={`Leave ${orgName}?`}
          description="You lose access to its tokens at once. An admin can invite you again."
          onClose={() => setOpen(false)}
        >
          <form action={formAction} className="space-y-3">
            <input type="hidden" name="orgSlug" value={orgSlug} />
            <FormMessage message={state?.message} ok={state?.ok} />
            <div className="flex justify-end gap-2">
              <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" variant="danger" disabled={isPending}>
                {isPending ? "Leaving…" : "Leave"}
              </Button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  );
}
