"use client";

import { useActionState } from "react";

import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { acceptPendingInvitation } from "@/lib/actions/invitations";

/** Invitations addressed to the signed-in user, each joinable with one click. */
export function PendingInvitations({ invitations }: { invitations: { id: string; orgName: string; role: "ADMIN" | "MEMBER" }[] }) {
  return (
    <ul className="w-full space-y-2" aria-label="Your invitations">
      {invitations.map((i) => (
        <PendingInvitation key={i.id} {...i} />
      ))}
    </ul>
  );
}

function PendingInvitation({ id, orgName, role }: { id: string; orgName: string; role: "ADMIN" | "MEMBER" }) {
  const [state, formAction, isPending] = useActionState(acceptPendingInvitation, undefined);
  return (
    <li className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-slate-200 bg-white px-3 py-2 text-left text-sm">
      <span>
        <strong>{orgName}</strong> invited you as {role === "ADMIN" ? "an admin" : "a member"}.
      </span>
      <form action={formAction}>
        <input type="hidden" name="invitationId" value={id} />
        <Button type="submit" disabled={isPending}>
          {isPending ? "Joining…" : `Join ${orgName}`}
        </Button>
      </form>
      <FormMessage message={state?.message} ok={state?.ok} />
    </li>
  );
}
