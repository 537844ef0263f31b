"use client";

import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormMessage } from "@/components/ui/field";
import { createTokenAction } from "@/lib/actions/tokens";
import { NewTokenValue } from "./secret-value";
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
          <FormMessage message={state?.message} ok={state?.ok} />
          <div className="flex justify-end gap-2">
            <Button type="button" variant="secondary" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending ? "Creating…" : "Create token"}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
