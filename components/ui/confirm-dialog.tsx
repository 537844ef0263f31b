"use client";

import type { ComponentProps, ReactNode } from "react";

import { type ButtonVariant } from "./button";
import { Dialog, DialogActions } from "./dialog";

/**
 * The product's confirmation, never the browser's `confirm()`: a labelled, focus-trapped dialog
 * (Escape cancels) around a form whose submit button confirms. `form` takes the form's `action`
 * or `onSubmit`; `children` are its hidden fields and messages.
 */
export function ConfirmDialog({
  title,
  description,
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
  description?: ReactNode;
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
    <Dialog title={title} description={description} onClose={onCancel}>
      <form {...form} className="space-y-4">
        {children}
        <p className="text-sm text-slate-700">{body}</p>
        <DialogActions submitLabel={confirmLabel} pendingLabel={pendingLabel} pending={pending} variant={variant} onCancel={onCancel} />
      </form>
    </Dialog>
  );
}
