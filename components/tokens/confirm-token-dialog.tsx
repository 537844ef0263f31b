"use client";

import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormError } from "@/components/ui/field";
import { disableTokenAction, enableTokenAction, revokeTokenAction } from "@/lib/actions/tokens";

import type { ManagedToken } from "./types";
import { useFormAction } from "./use-form-action";

const KINDS = {
  disable: {
    title: "Disable",
    body: "API calls with this token fail from the next request on. You can enable it again later.",
    confirm: "Disable token",
    pending: "Disabling…",
    variant: "danger",
    action: disableTokenAction,
  },
  enable: {
    title: "Enable",
    body: "API calls with this token work again from the next request on.",
    confirm: "Enable token",
    pending: "Enabling…",
    variant: "primary",
    action: enableTokenAction,
  },
  revoke: {
    title: "Revoke",
    body: "Revoking is permanent: every value of this token stops working at once and is destroyed. The token stays listed, as revoked, for the audit log.",
    confirm: "Revoke token",
    pending: "Revoking…",
    variant: "danger",
    action: revokeTokenAction,
  },
} as const;

export type ConfirmKind = keyof typeof KINDS;

export function ConfirmTokenDialog({
  kind,
  orgSlug,
  token,
  onClose,
  onDone,
}: {
  kind: ConfirmKind;
  orgSlug: string;
  token: ManagedToken;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const copy = KINDS[kind];
  const { state, pending, onSubmit } = useFormAction(copy.action, (result) => onDone(result.message ?? "Done."));
  return (
    <ConfirmDialog
      title={`${copy.title} ${token.name}?`}
      description={<span className="font-mono">{token.maskedValue}</span>}
      body={copy.body}
      confirmLabel={copy.confirm}
      pendingLabel={copy.pending}
      pending={pending}
      variant={copy.variant}
      form={{ onSubmit }}
      onCancel={onClose}
    >
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <input type="hidden" name="tokenId" value={token.id} />
      <FormError state={state} />
    </ConfirmDialog>
  );
}
