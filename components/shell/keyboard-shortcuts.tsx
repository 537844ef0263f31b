"use client";

import { useEffect, useState } from "react";

import { Dialog } from "@/components/ui/dialog";

/** Controls a shortcut acts on carry data-shortcut="<key>"; pages opt in by marking them. */
export const SHORTCUT_ATTRIBUTE = "data-shortcut";

function isTyping(target: EventTarget | null) {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

function shortcutTarget(key: string) {
  const element = document.querySelector<HTMLElement>(`[${SHORTCUT_ATTRIBUTE}="${key}"]`);
  // A control hidden by the layout (display: none) has no box and is not a target.
  return element && element.getClientRects().length > 0 ? element : null;
}

/**
 * Single-key shortcuts: `c` create token, `/` search, `?` this list. They never fire while the
 * user types in a field, holds a modifier, or has a dialog open.
 */
export function KeyboardShortcuts({ canCreateToken }: { canCreateToken: boolean }) {
  const [helpOpen, setHelpOpen] = useState(false);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (document.querySelector("dialog[open]")) return;
      if (event.key === "?") {
        event.preventDefault();
        setHelpOpen(true);
      } else if (event.key === "/") {
        const search = shortcutTarget("/");
        if (!search) return;
        event.preventDefault();
        search.focus();
      } else if (event.key === "c" && !event.shiftKey && canCreateToken) {
        const create = shortcutTarget("c");
        if (!create) return;
        event.preventDefault();
        create.click();
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [canCreateToken]);

  if (!helpOpen) return null;
  return (
    <Dialog title="Keyboard shortcuts" description="They work when no field has the cursor." onClose={() => setHelpOpen(false)}>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        {canCreateToken && <Shortcut keys="c" action="Create a token (on the Tokens page)" />}
        <Shortcut keys="/" action="Focus the search box (on the Tokens page)" />
        <Shortcut keys="?" action="Show this list" />
        <Shortcut keys="Esc" action="Close a dialog or menu" />
      </dl>
    </Dialog>
  );
}

function Shortcut({ keys, action }: { keys: string; action: string }) {
  return (
    <>
      <dt>
        <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs">{keys}</kbd>
      </dt>
      <dd className="text-slate-700">{action}</dd>
    </>
  );
}
