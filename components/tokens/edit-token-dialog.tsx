"use client";

import { Dialog, DialogActions } from "@/components/ui/dialog";
import { updateTokenAction } from "@/lib/actions/tokens";

import { NameInUseAnyway, NameInUseMessage } from "./name-in-use-warning";
import { TokenFormFields } from "./token-form-fields";
import type { ManagedToken } from "./types";
import { useFormAction } from "./use-form-action";

export function EditTokenDialog({
  orgSlug,
  token,
  onClose,
  onDone,
}: {
  orgSlug: string;
  token: ManagedToken;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const { state, pending, onSubmit } = useFormAction(updateTokenAction, (result) => onDone(result.message ?? "Saved."));
  return (
    <Dialog title={`Edit ${token.name}`} description={<span className="font-mono">{token.maskedValue}</span>} onClose={onClose} wide>
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <input type="hidden" name="tokenId" value={token.id} />
        <input type="hidden" name="expectedVersion" value={token.version} />
        <TokenFormFields defaults={token} errors={state?.errors} isEdit />
        <NameInUseMessage state={state} />
        <DialogActions submitLabel="Save changes" pendingLabel="Saving…" pending={pending} onCancel={onClose}>
          <NameInUseAnyway state={state} field="saveAnyway" pending={pending}>
            Save anyway
          </NameInUseAnyway>
        </DialogActions>
      </form>
    </Dialog>
  );
}
