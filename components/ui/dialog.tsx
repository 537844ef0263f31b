"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";

import { Button, type ButtonVariant } from "./button";

const FIELD_SELECTOR = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [autofocus]";

/**
 * A modal dialog on the native <dialog> element: the browser traps focus, closes it on Escape
 * and makes the rest of the page inert. Render it while it should be open; unmount to close.
 * Opening focuses the first field (not the Close button); closing returns focus to the opener.
 */
export function Dialog({
  title,
  description,
  onClose,
  children,
  wide = false,
}: {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const openerRef = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    // Kept across strict-mode's effect re-run, which would otherwise see focus inside the dialog.
    openerRef.current ??= document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // No close on cleanup: unmounting removes the dialog from the top layer by itself, and a
    // cleanup close would fire `close` (and onClose) during React's strict-mode remount.
    if (dialog && !dialog.open) {
      dialog.showModal();
      dialog.querySelector<HTMLElement>(FIELD_SELECTOR)?.focus();
    }
    return () => {
      const opener = openerRef.current;
      // The opener may be gone (a revoked row) or inert behind another dialog; then focus stays where the browser puts it.
      if (opener?.isConnected) requestAnimationFrame(() => opener.focus());
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onClose={onClose}
      className={`m-auto max-h-[calc(100dvh-2rem)] w-[calc(100%-2rem)] ${wide ? "max-w-2xl" : "max-w-lg"} rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:backdrop:bg-black/60`}
    >
      <div className="max-h-[calc(100dvh-2rem)] overflow-y-auto overflow-x-hidden p-4 sm:p-5">
        <div className="mb-4 flex items-start justify-between gap-4">
          <div className="min-w-0">
            <h2 id={titleId} className="text-lg font-semibold">
              {title}
            </h2>
            {description && (
              <div id={descriptionId} className="mt-1 text-sm text-slate-600">
                {description}
              </div>
            )}
          </div>
          <button
            type="button"
            onClick={() => ref.current?.close()}
            aria-label="Close"
            className="rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900"
          >
            <svg viewBox="0 0 20 20" aria-hidden="true" className="h-5 w-5">
              <path fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" d="m5 5 10 10M15 5 5 15" />
            </svg>
          </button>
        </div>
        {children}
      </div>
    </dialog>
  );
}

/**
 * A dialog form's buttons. The primary submit comes first in the DOM, so Enter submits it and never
 * a second submit ("Create anyway", passed as `children`); it shows rightmost, Cancel leftmost.
 */
export function DialogActions({
  submitLabel,
  pendingLabel,
  pending,
  variant = "primary",
  onCancel,
  children,
}: {
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  variant?: ButtonVariant;
  onCancel: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="flex flex-row-reverse flex-wrap justify-start gap-2">
      <Button type="submit" variant={variant} disabled={pending}>
        {pending ? pendingLabel : submitLabel}
      </Button>
      {children}
      <Button type="button" variant="secondary" onClick={onCancel}>
        Cancel
      </Button>
    </div>
  );
}
