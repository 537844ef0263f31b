"use client";

import { useState } from "react";

import { Dialog } from "@/components/ui/dialog";
import { copyText, SecretValue } from "@/components/ui/secret-value";
import { revealTokenAction } from "@/lib/actions/tokens";

type RevealResult = { ok: true; value: string } | { ok: false; message: string };

/** Asks the server for a token's value: it checks visibility, records the reveal, and answers with no-store. */
export async function revealValue(orgSlug: string, tokenId: string): Promise<RevealResult> {
  try {
    const result = await revealTokenAction(undefined, { orgSlug, tokenId });
    if (result.ok && result.data) return { ok: true, value: result.data.value };
    return { ok: false, message: result.message ?? "The value could not be revealed." };
  } catch {
    return { ok: false, message: "Something went wrong. Check your connection and try again." };
  }
}

/** A small "Copy" button beside a masked value: reveals, copies, and forgets the value. */
export function CopyValueButton({ orgSlug, tokenId, tokenName }: { orgSlug: string; tokenId: string; tokenName: string }) {
  const [status, setStatus] = useState<"idle" | "busy" | "copied" | "failed">("idle");
  const [fallback, setFallback] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function copy() {
    setStatus("busy");
    const result = await revealValue(orgSlug, tokenId);
    if (!result.ok) {
      setError(result.message);
      setStatus("failed");
      return;
    }
    if (await copyText(result.value)) {
      setStatus("copied");
      setTimeout(() => setStatus("idle"), 2000);
    } else {
      // Clipboard refused (e.g. not a secure context): show it to copy by hand.
      setFallback(result.value);
      setStatus("idle");
    }
  }
  return (
    <>
      <button
        type="button"
        onClick={copy}
        disabled={status === "busy"}
        aria-label={`Copy value of ${tokenName}`}
        title={error ?? "Copy the value (recorded in the audit log)"}
        className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-medium text-indigo-700 hover:bg-indigo-50 disabled:text-slate-400"
      >
        <svg viewBox="0 0 20 20" aria-hidden="true" className="h-3.5 w-3.5">
          <rect x="6.5" y="6.5" width="10" height="11" rx="1.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path
            d="M13.5 4.5v-1A1.5 1.5 0 0 0 12 2H4.5A1.5 1.5 0 0 0 3 3.5V13a1.5 1.5 0 0 0 1.5 1.5h1"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.6"
          />
        </svg>
        <span aria-live="polite">
          {status === "copied" ? "Copied" : status === "busy" ? "Copying…" : status === "failed" ? "Failed" : "Copy"}
        </span>
      </button>
      {fallback && <RevealedValueDialog name={tokenName} value={fallback} onClose={() => setFallback(null)} />}
    </>
  );
}

export function RevealedValueDialog({ name, value, onClose }: { name: string; value: string; onClose: () => void }) {
  return (
    <Dialog
      title={`Value of ${name}`}
      description="This reveal is recorded in the audit log. Close this dialog when you are done."
      onClose={onClose}
    >
      <SecretValue value={value} label={`Value of ${name}`} />
    </Dialog>
  );
}
