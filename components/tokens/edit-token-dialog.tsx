"use client";

import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormMessage } from "@/components/ui/field";
import { updateTokenAction } from "@/lib/actions/tokens";

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
        <FormMessage message={state?.ok ? undefined : state?.message} />
        <div className="flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : "Save changes"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
