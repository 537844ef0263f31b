"use client";

import { useActionState } from "react";

import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { rotateExposedTokens } from "@/lib/actions/members";

const GRACE_OPTIONS = [
  { value: 0, label: "immediately" },
  { value: 3600, label: "in 1 hour" },
  { value: 86_400, label: "in 24 hours" },
] as const;

/** One step to rotate every token a departed person has seen; the server works out which. */
export function RotateExposedForm({ orgSlug, userId, count }: { orgSlug: string; userId: string; count: number }) {
  const [state, formAction, isPending] = useActionState(rotateExposedTokens, undefined);
  if (state?.ok) return <FormMessage message={state.message} ok />;
  return (
    <form action={formAction} className="flex flex-wrap items-end gap-2">
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <input type="hidden" name="userId" value={userId} />
      <label className="flex flex-col gap-1 text-sm">
        <span className="font-medium text-slate-700">Old values stop working</span>
        <select name="graceSeconds" defaultValue={3600} className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
          {GRACE_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <Button type="submit" variant="danger" disabled={isPending}>
        {isPending ? "Rotating…" : `Rotate ${count === 1 ? "this token" : `these ${count} tokens`}`}
      </Button>
      <FormMessage message={state?.message} ok={state?.ok} />
    </form>
  );
}
