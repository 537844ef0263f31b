"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";

import { useFormAction } from "@/components/tokens/use-form-action";
import { Button, type ButtonVariant } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormError, FormMessage } from "@/components/ui/field";
import { dismissLeakReportAction, endGraceAction, endIncidentGraceAction, resumeIncidentAction } from "@/lib/actions/incidents";
import type { ActionState } from "@/lib/auth/action";

type FormAction<T> = (prev: ActionState<T> | undefined, input: FormData) => Promise<ActionState<T>>;

/**
 * A one-button form for an action on one incident or token; the result is announced beside it.
 * With `confirm`, the button opens the product's dialog (focus-trapped, Escape cancels) instead of
 * the browser's `confirm()`, and the dialog's button submits.
 */
export function ActionButton<T>({
  action,
  fields,
  label,
  pendingLabel,
  variant = "secondary",
  confirm,
  onDone,
}: {
  action: FormAction<T>;
  fields: Record<string, string>;
  label: string;
  pendingLabel: string;
  variant?: ButtonVariant;
  confirm?: { title: string; body: string };
  /** After a success, besides refreshing the page (a client-side view of the result refetches). */
  onDone?: () => void;
}) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const { state, pending, onSubmit } = useFormAction(action, () => {
    setConfirming(false);
    router.refresh();
    onDone?.();
  });
  const hiddenFields = Object.entries(fields).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />);
  return (
    <div className="inline-flex flex-col items-end gap-1">
      {confirm ? (
        <Button type="button" variant={variant} disabled={pending} onClick={() => setConfirming(true)}>
          {pending ? pendingLabel : label}
        </Button>
      ) : (
        <form onSubmit={onSubmit}>
          {hiddenFields}
          <Button type="submit" variant={variant} disabled={pending}>
            {pending ? pendingLabel : label}
          </Button>
        </form>
      )}
      <FormMessage message={state?.message} ok={state?.ok} />
      {confirm && confirming && (
        <ConfirmDialog
          title={confirm.title}
          body={confirm.body}
          confirmLabel={label}
          pendingLabel={pendingLabel}
          pending={pending}
          variant={variant}
          form={{ onSubmit }}
          onCancel={() => setConfirming(false)}
        >
          {hiddenFields}
          <FormError state={state} />
        </ConfirmDialog>
      )}
    </div>
  );
}

export function ResumeIncidentButton({ orgSlug, incidentId }: { orgSlug: string; incidentId: string }) {
  return (
    <ActionButton
      action={resumeIncidentAction}
      fields={{ orgSlug, incidentId }}
      label="Resume"
      pendingLabel="Resuming…"
      variant="primary"
    />
  );
}

export function EndIncidentGraceButton({ orgSlug, incidentId, count }: { orgSlug: string; incidentId: string; count: number }) {
  return (
    <ActionButton
      action={endIncidentGraceAction}
      fields={{ orgSlug, incidentId }}
      label="End grace now"
      pendingLabel="Ending grace…"
      variant="danger"
      confirm={{
        title: "End the grace period now?",
        body: `The old values of ${count} token${count === 1 ? "" : "s"} stop working at once. The new values keep working.`,
      }}
    />
  );
}

export function EndGraceButton({
  orgSlug,
  tokenId,
  tokenName,
  onDone,
}: {
  orgSlug: string;
  tokenId: string;
  tokenName: string;
  onDone?: () => void;
}) {
  return (
    <ActionButton
      onDone={onDone}
      action={endGraceAction}
      fields={{ orgSlug, tokenId }}
      label="End grace now"
      pendingLabel="Ending…"
      variant="danger"
      confirm={{
        title: `End grace for ${tokenName}?`,
        body: `The previous value of “${tokenName}” stops working at once. The current value keeps working.`,
      }}
    />
  );
}

export function DismissLeakButton({ orgSlug, tokenId }: { orgSlug: string; tokenId: string }) {
  return <ActionButton action={dismissLeakReportAction} fields={{ orgSlug, tokenId }} label="Dismiss" pendingLabel="Dismissing…" />;
}

/**
 * While a bulk operation runs, re-renders the page from the server (progress, skipped tokens and
 * why) about once a second, without a reload. The next refresh is scheduled only after the last
 * one has rendered, so a slow server is never asked twice at once; it stops when the page says the
 * operation completed (or stopped).
 */
export function ProgressPoller({ active }: { active: boolean }) {
  const router = useRouter();
  const [refreshing, startRefresh] = useTransition();
  useEffect(() => {
    if (!active || refreshing) return;
    const timer = setTimeout(() => startRefresh(() => router.refresh()), 1000);
    return () => clearTimeout(timer);
  }, [active, refreshing, router]);
  return null;
}
