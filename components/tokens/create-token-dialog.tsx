"use client";

import { Dialog, DialogActions } from "@/components/ui/dialog";
import { createTokenAction } from "@/lib/actions/tokens";

import { NameInUseAnyway, NameInUseMessage } from "./name-in-use-warning";
import { NewTokenValue } from "./new-token-value";
import { NEW_TOKEN_DEFAULTS, TokenFormFields } from "./token-form-fields";
import { useFormAction } from "./use-form-action";

export function CreateTokenDialog({ orgSlug, onClose }: { orgSlug: string; onClose: () => void }) {
  const { state, pending, onSubmit } = useFormAction(createTokenAction);
  const created = state?.ok ? state.data : undefined;
  return (
    <Dialog title={created ? "Token created" : "Create token"} onClose={onClose} wide>
      {created ? (
        <NewTokenValue name={created.name} value={created.value} rotated={false} visibility={created.visibility} onDone={onClose} />
      ) : (
        <form onSubmit={onSubmit} noValidate className="space-y-4">
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <TokenFormFields defaults={NEW_TOKEN_DEFAULTS} errors={state?.errors} />
          <NameInUseMessage state={state} />
          <DialogActions submitLabel="Create token" pendingLabel="Creating…" pending={pending} onCancel={onClose}>
            <NameInUseAnyway state={state} field="createAnyway" pending={pending}>
              Create anyway
            </NameInUseAnyway>
          </DialogActions>
        </form>
      )}
    </Dialog>
  );
}
