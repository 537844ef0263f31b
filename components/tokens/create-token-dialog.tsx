"use client";

import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
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
          <div className="flex flex-row-reverse flex-wrap justify-start gap-2">
            {/* Primary first in the DOM: Enter submits the plain create, never "create anyway". */}
            <Button type="submit" disabled={pending}>
              {pending ? "Creating…" : "Create token"}
            </Button>
            <NameInUseAnyway state={state} field="createAnyway" pending={pending}>
              Create anyway
            </NameInUseAnyway>
            <Button type="button" variant="secondary" onClick={onClose}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
