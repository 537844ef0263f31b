"use client";

import { useActionState, useState } from "react";

import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Field, FormMessage } from "@/components/ui/field";
import { createRepoLabelAction, deleteRepoLabelAction, renameRepoLabelAction } from "@/lib/actions/repos";
import type { ActionState } from "@/lib/auth/action";

export type LabelRow = { id: string; name: string; repositoryIds: string[] };

/** The org's repository labels: everyone sees them; admins (canManage) create, rename and delete. */
export function LabelsPanel({ orgSlug, labels, canManage }: { orgSlug: string; labels: LabelRow[]; canManage: boolean }) {
  return (
    <section aria-labelledby="labels-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="labels-heading" className="mb-1 text-base font-semibold">
        Labels
      </h2>
      <p className="mb-3 text-sm text-slate-600">Group repositories; Socket clients read them through the API.</p>
      {labels.length === 0 ? (
        <p className="mb-3 text-sm text-slate-500">No labels yet.</p>
      ) : (
        <ul className="mb-3 divide-y divide-slate-100" aria-label="Repository labels">
          {labels.map((label) => (
            <li key={label.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid={`label-${label.name}`}>
              {canManage ? <LabelControls orgSlug={orgSlug} label={label} /> : <span className="text-sm font-medium">{label.name}</span>}
              <span className="text-xs text-slate-500">
                {label.repositoryIds.length} repositor{label.repositoryIds.length === 1 ? "y" : "ies"}
              </span>
            </li>
          ))}
        </ul>
      )}
      {canManage && <CreateLabelForm orgSlug={orgSlug} />}
    </section>
  );
}

function CreateLabelForm({ orgSlug }: { orgSlug: string }) {
  // A new key after each success empties the field for the next label.
  const [formKey, setFormKey] = useState(0);
  const [state, formAction, isPending] = useActionState(async (previous: ActionState | undefined, form: FormData) => {
    const result = await createRepoLabelAction(previous, form);
    if (result.ok) setFormKey((key) => key + 1);
    return result;
  }, undefined);
  return (
    <form key={formKey} action={formAction} className="flex flex-wrap items-end gap-2">
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <Field id="new-label-name" label="New label" name="name" required placeholder="production" errors={state?.errors?.name} />
      <Button type="submit" variant="secondary" disabled={isPending}>
        {isPending ? "Adding…" : "Add label"}
      </Button>
      <FormMessage message={state?.ok ? state.message : state?.errors ? undefined : state?.message} ok={state?.ok} />
    </form>
  );
}

function LabelControls({ orgSlug, label }: { orgSlug: string; label: LabelRow }) {
  const [renameState, rename, renaming] = useActionState(renameRepoLabelAction, undefined);
  const [deleteState, remove, removing] = useActionState(deleteRepoLabelAction, undefined);
  const [confirming, setConfirming] = useState(false);
  const [name, setName] = useState(label.name);
  return (
    <div className="flex flex-wrap items-start gap-2">
      <form action={rename} className="flex flex-wrap items-start gap-2">
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <input type="hidden" name="labelId" value={label.id} />
        <Field
          id={`label-name-${label.id}`}
          label={<span className="sr-only">Name of the label {label.name}</span>}
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          errors={renameState?.errors?.name}
        />
        {name !== label.name && (
          <Button type="submit" variant="secondary" disabled={renaming} aria-label={`Rename the label ${label.name}`}>
            {renaming ? "Saving…" : "Rename"}
          </Button>
        )}
      </form>
      <Button variant="ghost" onClick={() => setConfirming(true)} aria-label={`Delete the label ${label.name}`}>
        Delete
      </Button>
      {confirming && (
        <ConfirmDialog
          title={`Delete the label ${label.name}?`}
          body="It is removed from every repository that carries it."
          confirmLabel="Delete label"
          pendingLabel="Deleting…"
          pending={removing}
          form={{ action: remove }}
          onCancel={() => setConfirming(false)}
        >
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="labelId" value={label.id} />
          {deleteState && !deleteState.ok && <FormMessage message={deleteState.message} />}
        </ConfirmDialog>
      )}
    </div>
  );
}
