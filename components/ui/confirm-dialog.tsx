"use client";

import type { ComponentProps, ReactNode } from "react";

import { Button, type ButtonVariant } from "./button";
import { Dialog } from "./dialog";

/**
 * The product's confirmation, never the browser's `confirm()`: a labelled, focus-trapped dialog
 * (Escape cancels) around a form whose submit button confirms. `form` takes the form's `action`
 * or `onSubmit`; `children` are its hidden fields and messages.
 */
export function ConfirmDialog({
  title,
  body,
  confirmLabel,
  pendingLabel,
  pending,
  variant = "danger",
  form,
  onCancel,
  children,
}: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  variant?: ButtonVariant;
  form: Pick<ComponentProps<"form">, "action" | "onSubmit">;
  onCancel: () => void;
  children?: ReactNode;
}) {
  return (
    <Dialog title={title} onClose={onCancel}>
      <form {...form} className="space-y-4">
        {children}
        <p className="text-sm text-slate-700">{body}</p>
        <div className="flex flex-row-reverse flex-wrap justify-start gap-2">
          <Button type="submit" variant={variant} disabled={pending}>
            {pending ? pendingLabel : confirmLabel}
          </Button>
          <Button type="button" variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
