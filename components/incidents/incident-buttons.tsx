"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useFormAction } from "@/components/tokens/use-form-action";
import { Button, type ButtonVariant } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import type { ActionState } from "@/lib/auth/action";
import {
  dismissLeakReportAction,
  endGraceAction,
  endIncidentGraceAction,
  resumeIncidentAction,
} from "@/lib/actions/incidents";

type FormAction<T> = (prev: ActionState<T> | undefined, input: FormData) => Promise<ActionState<T>>;

/** A one-button form for an action on one incident or token; the result is announced beside it. */
function ActionButton<T>({
  action,
  fields,
  label,
  pendingLabel,
  variant = "secondary",
  confirm,
}: {
  action: FormAction<T>;
  fields: Record<string, string>;
  label: string;
  pendingLabel: string;
  variant?: ButtonVariant;
  confirm?: string;
}) {
  const router = useRouter();
  const { state, pending, onSubmit } = useFormAction(action, () => router.refresh());
  return (
    <form
      onSubmit={(event) => {
        if (confirm && !window.confirm(confirm)) {
          event.preventDefault();
          return;
        }
        onSubmit(event);
      }}
      className="inline-flex flex-col items-end gap-1"
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" variant={variant} disabled={pending}>
        {pending ? pendingLabel : label}
      </Button>
      <FormMessage message={state?.message} ok={state?.ok} />
    </form>
  );
}

export function ResumeIncidentButton({ orgSlug, incidentId }: { orgSlug: string; incidentId: string }) {
  return <ActionButton action={resumeIncidentAction} fields={{ orgSlug, incidentId }} label="Resume" pendingLabel="Resuming…" variant="primary" />;
}

export function EndIncidentGraceButton({ orgSlug, incidentId, count }: { orgSlug: string; incidentId: string; count: number }) {
  return (
    <ActionButton
      action={endIncidentGraceAction}
      fields={{ orgSlug, incidentId }}
      label="End grace now"
      pendingLabel="Ending grace…"
      variant="danger"
      confirm={`The old values of ${count} token${count === 1 ? "" : "s"} stop working at once. Continue?`}
    />
  );
}

export function EndGraceButton({ orgSlug, tokenId, tokenName }: { orgSlug: string; tokenId: string; tokenName: string }) {
  return (
    <ActionButton
      action={endGraceAction}
      fields={{ orgSlug, tokenId }}
      label="End grace now"
      pendingLabel="Ending…"
      variant="danger"
      confirm={`The previous value of “${tokenName}” stops working at once. Continue?`}
    />
  );
}

export function DismissLeakButton({ orgSlug, tokenId }: { orgSlug: string; tokenId: string }) {
  return <ActionButton action={dismissLeakReportAction} fields={{ orgSlug, tokenId }} label="Dismiss" pendingLabel="Dismissing…" />;
}

/** While a bulk operation runs, re-renders the page (server data) every second to show progress. */
export function ProgressPoller({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(timer);
  }, [active, router]);
  return null;
}
