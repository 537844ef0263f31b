"use client";

import { useState } from "react";

import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
import { Field, FormError } from "@/components/ui/field";
import { SelectField } from "@/components/ui/select-field";
import { rotateTokenAction } from "@/lib/actions/tokens";
import { MAX_GRACE_HOURS } from "@/lib/validations/token";

import { NewTokenValue } from "./new-token-value";
import type { ManagedToken } from "./types";
import { useFormAction } from "./use-form-action";

const GRACE_OPTIONS = [
  { value: "0", label: "None: the old value stops working now" },
  { value: "1", label: "1 hour" },
  { value: "24", label: "24 hours" },
  { value: "custom", label: "Custom…" },
] as const;

/**
 * Rotation: a new value for the same token. Name, scopes, visibility and quota stay; a token
 * members can see stays visible to them, so for an organization-visible token the dialog offers
 * "make admin-only, then rotate" as one step.
 */
export function RotateTokenDialog({ orgSlug, token, onClose }: { orgSlug: string; token: ManagedToken; onClose: () => void }) {
  const { state, pending, onSubmit } = useFormAction(rotateTokenAction);
  const [grace, setGrace] = useState<string>("0");
  const rotated = state?.ok ? state.data : undefined;
  const visibleToMembers = token.visibility === "ORGANIZATION";
  return (
    <Dialog
      title={rotated ? "Token rotated" : `Rotate ${token.name}`}
      description={<span className="font-mono">{token.maskedValue}</span>}
      onClose={onClose}
    >
      {rotated ? (
        <NewTokenValue
          name={rotated.name}
          value={rotated.value}
          previousValueValidUntil={rotated.previousValueValidUntil}
          rotated
          visibility={rotated.visibility}
          onDone={onClose}
        />
      ) : (
        <form onSubmit={onSubmit} noValidate className="space-y-4">
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="tokenId" value={token.id} />
          <input type="hidden" name="expectedVersion" value={token.version} />
          <p className="text-sm text-slate-700">
            A new value replaces the current one. The name, scopes, visibility, quota and group id stay the same.
          </p>
          <SelectField
            label="Grace period for the old value"
            id="graceChoice"
            name={grace === "custom" ? undefined : "graceHours"}
            value={grace}
            onChange={(e) => setGrace(e.target.value)}
            options={GRACE_OPTIONS}
            errors={grace === "custom" ? undefined : state?.errors?.graceHours}
          />
          {grace === "custom" && (
            <Field
              label="Grace period in hours"
              name="graceHours"
              type="number"
              min={1}
              max={MAX_GRACE_HOURS}
              step={1}
              required
              defaultValue={48}
              hint={`From 1 to ${MAX_GRACE_HOURS} hours (7 days). Both values work until it ends.`}
              errors={state?.errors?.graceHours}
            />
          )}
          {visibleToMembers && (
            <div role="note" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
              <p className="font-medium">Organization members can see this token.</p>
              <p>
                They will be able to view and copy the new value too. To keep it from them, make the token admin-only and rotate in one
                step.
              </p>
            </div>
          )}
          <FormError state={state} />
          <DialogActions submitLabel="Rotate token" pendingLabel="Rotating…" pending={pending} onCancel={onClose}>
            {visibleToMembers && (
              <Button type="submit" name="makeAdminOnly" value="true" variant="secondary" disabled={pending}>
                Make admin-only, then rotate
              </Button>
            )}
          </DialogActions>
        </form>
      )}
    </Dialog>
  );
}
