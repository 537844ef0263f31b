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
          {state?.code === "NEEDS_CONFIRMATION" ? (
            <div
              role="alert"
              className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900"
              data-testid="duplicate-name-warning"
            >
              {state.message} Two tokens with one name are hard to tell apart in lists and the audit log.
            </div>
          ) : (
            <FormMessage message={state?.message} ok={state?.ok} />
          )}
          <div className="flex flex-row-reverse flex-wrap justify-start gap-2">
            {/* Primary first in the DOM: Enter submits the plain create, never "create anyway". */}
            <Button type="submit" disabled={pending}>
              {pending ? "Creating…" : "Create token"}
            </Button>
            {state?.code === "NEEDS_CONFIRMATION" && (
              <Button type="submit" name="createAnyway" value="true" variant="secondary" disabled={pending}>
                Create anyway
              </Button>
            )}
            <Button type="button" variant="secondary" onClick={onClose}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
