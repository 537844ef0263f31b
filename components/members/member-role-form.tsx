"use client";

import { useActionState, useState } from "react";

import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { changeMemberRole } from "@/lib/actions/members";

export function MemberRoleForm({
  orgSlug,
  userId,
  email,
  role,
}: {
  orgSlug: string;
  userId: string;
  email: string;
  role: "ADMIN" | "MEMBER";
}) {
  const [state, formAction, isPending] = useActionState(changeMemberRole, undefined);
  const [selected, setSelected] = useState(role);
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <input type="hidden" name="userId" value={userId} />
      <select
        name="role"
        aria-label={`Role of ${email}`}
        value={selected}
        onChange={(e) => setSelected(e.target.value as "ADMIN" | "MEMBER")}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        <option value="MEMBER">Member</option>
        <option value="ADMIN">Admin</option>
      </select>
      {selected !== role && (
        <Button type="submit" variant="secondary" disabled={isPending} aria-label={`Save the role of ${email}`}>
          {isPending ? "Saving…" : "Save"}
        </Button>
      )}
      {state && !state.ok && <FormMessage message={state.message} />}
    </form>
  );
}
