"use client";

import { useCallback, useState, type ReactNode } from "react";

import { ConfirmTokenDialog } from "./confirm-token-dialog";
import { EditTokenDialog } from "./edit-token-dialog";
import { RevealedValueDialog, revealValue } from "./reveal";
import { RotateTokenDialog } from "./rotate-token-dialog";
import type { ManagedToken, TokenDialogKind } from "./types";

export type Notice = { message: string; ok: boolean };

/** The token dialogs of a page (table or detail): which one is open, and the outcome to announce. */
export function useTokenDialogs(orgSlug: string): {
  open: (kind: TokenDialogKind, token: ManagedToken) => void;
  dialogs: ReactNode;
  notice: Notice | null;
} {
  const [active, setActive] = useState<{ kind: Exclude<TokenDialogKind, "reveal">; token: ManagedToken } | null>(null);
  const [revealed, setRevealed] = useState<{ name: string; value: string } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const close = () => setActive(null);
  const done = (message: string) => {
    setActive(null);
    setNotice({ message, ok: true });
  };

  const open = useCallback(
    (kind: TokenDialogKind, token: ManagedToken) => {
      setNotice(null);
      if (kind !== "reveal") return setActive({ kind, token });
      void revealValue(orgSlug, token.id).then((result) => {
        if (result.ok) setRevealed({ name: token.name, value: result.value });
        else setNotice({ message: result.message, ok: false });
      });
    },
    [orgSlug],
  );

  const dialogs = (
    <>
      {active?.kind === "edit" && (
        <EditTokenDialog key={active.token.id} orgSlug={orgSlug} token={active.token} onClose={close} onDone={done} />
      )}
      {active?.kind === "rotate" && <RotateTokenDialog key={active.token.id} orgSlug={orgSlug} token={active.token} onClose={close} />}
      {(active?.kind === "disable" || active?.kind === "enable" || active?.kind === "revoke") && (
        <ConfirmTokenDialog
          key={`${active.kind}-${active.token.id}`}
          kind={active.kind}
          orgSlug={orgSlug}
          token={active.token}
          onClose={close}
          onDone={done}
        />
      )}
      {revealed && <RevealedValueDialog name={revealed.name} value={revealed.value} onClose={() => setRevealed(null)} />}
    </>
  );
  return { open, dialogs, notice };
}

export function NoticeBar({ notice }: { notice: Notice | null }) {
  return (
    <div aria-live="polite" role={notice && !notice.ok ? "alert" : "status"}>
      {notice && (
        <p className={`rounded-md px-3 py-2 text-sm ${notice.ok ? "bg-green-50 text-green-800" : "bg-red-50 text-red-700"}`}>
          {notice.message}
        </p>
      )}
    </div>
  );
}
