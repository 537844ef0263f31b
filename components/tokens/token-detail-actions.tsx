"use client";

import { Button } from "@/components/ui/button";

import { NoticeBar, useTokenDialogs } from "./token-dialogs";
import type { ManagedToken } from "./types";

/** The actions on a token's own page: the same dialogs as the table's row menu. */
export function TokenDetailActions({ orgSlug, token, canManage }: { orgSlug: string; token: ManagedToken; canManage: boolean }) {
  const { open, dialogs, notice } = useTokenDialogs(orgSlug);
  const revoked = token.status === "REVOKED";
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap justify-end gap-2">
        {!revoked && (
          <Button type="button" variant="secondary" onClick={() => open("reveal", token)}>
            Reveal value
          </Button>
        )}
        {canManage && !revoked && (
          <>
            <Button type="button" variant="secondary" onClick={() => open("edit", token)}>
              Edit
            </Button>
            <Button type="button" variant="secondary" onClick={() => open("rotate", token)}>
              Rotate
            </Button>
            <Button type="button" variant="secondary" onClick={() => open(token.status === "DISABLED" ? "enable" : "disable", token)}>
              {token.status === "DISABLED" ? "Enable" : "Disable"}
            </Button>
            <Button type="button" variant="danger" onClick={() => open("revoke", token)}>
              Revoke
            </Button>
          </>
        )}
      </div>
      <NoticeBar notice={notice} />
      {dialogs}
    </div>
  );
}
