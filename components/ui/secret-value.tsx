"use client";

import { useEffect, useId, useRef, useState, type ReactNode } from "react";

import { Button } from "./button";

/** Copies text; false when the browser refuses (then the caller shows the text to copy by hand). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** A secret on screen, with a copy button; when the clipboard is refused, the text is selected for copying by hand. */
export function SecretValue({
  value,
  label,
  describedBy,
  focusOnShow = false,
}: {
  value: string;
  label: string;
  describedBy?: string;
  focusOnShow?: boolean;
}) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!focusOnShow) return;
    // After the frame: a dialog that just closed gives focus back to its opener in the same frame, and this must come after it.
    const frame = requestAnimationFrame(() => input.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [focusOnShow]);
  return (
    <div className="space-y-1">
      <div className="flex gap-2">
        <input
          ref={input}
          readOnly
          aria-label={label}
          aria-describedby={describedBy}
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-sm"
          data-testid="secret-value"
        />
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            const ok = await copyText(value);
            setCopied(ok);
            if (!ok) input.current?.select();
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <p aria-live="polite" className="text-xs text-slate-500">
        {copied === true && "Copied to the clipboard."}
        {copied === false && "The browser did not allow copying: the value is selected, copy it with Ctrl+C / ⌘C."}
      </p>
    </div>
  );
}

/**
 * A secret Keyward shows exactly once (a service's verification key, a webhook's signing secret, an
 * invitation link): named, with a copy button and the warning that it is never shown again. The
 * value takes focus when it appears, so keyboard and screen-reader users land on it (and hear the
 * warning, its description); lists of several pass `focusOnShow={false}` for all but the first.
 */
export function ShownOnceSecret({
  label,
  value,
  children,
  onDone,
  focusOnShow = true,
  testId,
}: {
  label: string;
  value: string;
  /** What the secret is for, after the warning. */
  children?: ReactNode;
  onDone?: () => void;
  focusOnShow?: boolean;
  testId?: string;
}) {
  const warningId = useId();
  return (
    <div className="space-y-2 rounded-lg border border-amber-200 bg-amber-50 p-3" data-testid={testId}>
      <p className="text-sm font-medium text-slate-800">{label}</p>
      <SecretValue value={value} label={label} describedBy={warningId} focusOnShow={focusOnShow} />
      <p id={warningId} className="text-sm text-slate-700">
        Copy it now: it is never shown again. {children}
      </p>
      {onDone && (
        <Button type="button" variant="secondary" onClick={onDone}>
          Done
        </Button>
      )}
    </div>
  );
}
