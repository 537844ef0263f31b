"use client";

import { useActionState, useState } from "react";

import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
import { Field, FormError, FormMessage } from "@/components/ui/field";
import { SelectField } from "@/components/ui/select-field";
import { createRepoAction, updateRepoAction } from "@/lib/actions/repos";
import type { ActionState } from "@/lib/auth/action";

export type RepoFormValues = {
  id: string;
  slug: string;
  description: string;
  homepage: string;
  visibility: string;
  defaultBranch: string;
  workspace: string;
  archived: boolean;
};

const VISIBILITY_OPTIONS = [
  { value: "private", label: "Private" },
  { value: "public", label: "Public" },
] as const;

/** The fields a repository has, shared by the create form and the edit dialog. */
function RepoFields({ idPrefix, values, state }: { idPrefix: string; values?: RepoFormValues; state: ActionState | undefined }) {
  const errors = state?.errors ?? {};
  // The create form and an edit dialog can be on the page together: their ids must differ.
  const id = (field: string) => `${idPrefix}-${field}`;
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field
        label="Name"
        id={id("name")}
        name="name"
        defaultValue={values?.slug}
        required
        placeholder="my-service"
        hint="Its slug in the API: letters, digits, '.', '-' and '_'."
        errors={errors.name}
      />
      <SelectField
        label="Visibility"
        id={id("visibility")}
        name="visibility"
        defaultValue={values?.visibility ?? "private"}
        options={VISIBILITY_OPTIONS}
        errors={errors.visibility}
      />
      <Field label="Description" id={id("description")} name="description" defaultValue={values?.description} errors={errors.description} />
      <Field
        label="Homepage"
        id={id("homepage")}
        name="homepage"
        type="url"
        defaultValue={values?.homepage}
        placeholder="https://example.com"
        errors={errors.homepage}
      />
      <Field
        label="Default branch"
        id={id("defaultBranch")}
        name="defaultBranch"
        defaultValue={values?.defaultBranch ?? "main"}
        errors={errors.defaultBranch}
      />
      <Field label="Workspace" id={id("workspace")} name="workspace" defaultValue={values?.workspace} errors={errors.workspace} />
    </div>
  );
}

export function CreateRepoForm({ orgSlug }: { orgSlug: string }) {
  // A new key after each success empties the form for the next repository.
  const [formKey, setFormKey] = useState(0);
  const [state, formAction, isPending] = useActionState(async (previous: ActionState | undefined, form: FormData) => {
    const result = await createRepoAction(previous, form);
    if (result.ok) setFormKey((key) => key + 1);
    return result;
  }, undefined);
  return (
    <section aria-labelledby="create-repo-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="create-repo-heading" className="mb-3 text-base font-semibold">
        Add a repository
      </h2>
      <form key={formKey} action={formAction} className="space-y-3">
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <RepoFields idPrefix="new-repo" state={state} />
        <Button type="submit" disabled={isPending}>
          {isPending ? "Adding…" : "Add repository"}
        </Button>
      </form>
      <FormMessage message={state?.message} ok={state?.ok} />
    </section>
  );
}

export function EditRepoDialog({ orgSlug, repo, onClose }: { orgSlug: string; repo: RepoFormValues; onClose: () => void }) {
  const [state, formAction, isPending] = useActionState(async (previous: ActionState | undefined, form: FormData) => {
    const result = await updateRepoAction(previous, form);
    if (result.ok) onClose();
    return result;
  }, undefined);
  return (
    <Dialog title={`Edit ${repo.slug}`} onClose={onClose} wide>
      <form action={formAction} className="space-y-3">
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <input type="hidden" name="repoId" value={repo.id} />
        <RepoFields idPrefix={`repo-${repo.id}`} values={repo} state={state} />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="archived" defaultChecked={repo.archived} /> Archived
        </label>
        <FormError state={state} />
        <DialogActions submitLabel="Save changes" pendingLabel="Saving…" pending={isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
