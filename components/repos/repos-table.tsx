"use client";

import { useActionState, useCallback, useState } from "react";

import { EmptyState } from "@/components/shell/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/field";
import { attachRepoLabelAction, deleteRepoAction, detachRepoLabelAction, setRepoArchivedAction } from "@/lib/actions/repos";

import { EditRepoDialog, type RepoFormValues } from "./repo-form";

export type RepoTableRow = RepoFormValues & { labelIds: string[] };
export type LabelOption = { id: string; name: string };

/** The org's repositories; admins (canManage) also get edit, archive, delete and label controls. */
export function ReposTable({
  orgSlug,
  repos,
  labels,
  canManage,
}: {
  orgSlug: string;
  repos: RepoTableRow[];
  labels: LabelOption[];
  canManage: boolean;
}) {
  if (repos.length === 0) {
    return <EmptyState title="No repositories yet.">{canManage ? "Add one below, or through the API." : "Admins add them."}</EmptyState>;
  }
  const labelNames = new Map(labels.map((label) => [label.id, label.name]));
  return (
    // Positioned, so the screen-reader-only header (absolutely placed) scrolls with the table instead of widening the page.
    <div
      role="region"
      aria-label="Repositories (scrolls sideways)"
      tabIndex={0}
      className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white"
    >
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Repositories">
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-4 py-2">Repository</th>
            <th className="px-4 py-2">Visibility</th>
            <th className="px-4 py-2">Default branch</th>
            <th className="px-4 py-2">Labels</th>
            {canManage && (
              <th className="px-4 py-2">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {repos.map((repo) => (
            <tr key={repo.id} data-testid={`repo-${repo.slug}`}>
              <td className="px-4 py-2 align-top">
                <div className="flex items-center gap-2 font-medium">
                  {repo.slug}
                  {repo.archived && <Badge>Archived</Badge>}
                </div>
                {repo.description && <div className="text-slate-600">{repo.description}</div>}
                {repo.workspace && <div className="text-xs text-slate-500">Workspace: {repo.workspace}</div>}
              </td>
              <td className="px-4 py-2 align-top">
                <Badge tone={repo.visibility === "public" ? "amber" : "gray"}>{repo.visibility === "public" ? "Public" : "Private"}</Badge>
              </td>
              <td className="px-4 py-2 align-top font-mono text-xs">{repo.defaultBranch || "—"}</td>
              <td className="px-4 py-2 align-top">
                <RepoLabels orgSlug={orgSlug} repo={repo} labels={labels} labelNames={labelNames} canManage={canManage} />
              </td>
              {canManage && (
                <td className="px-4 py-2 text-right align-top">
                  <RepoActions orgSlug={orgSlug} repo={repo} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RepoLabels({
  orgSlug,
  repo,
  labels,
  labelNames,
  canManage,
}: {
  orgSlug: string;
  repo: RepoTableRow;
  labels: LabelOption[];
  labelNames: Map<string, string>;
  canManage: boolean;
}) {
  const [attachState, attach, attaching] = useActionState(attachRepoLabelAction, undefined);
  const [detachState, detach, detaching] = useActionState(detachRepoLabelAction, undefined);
  const attachable = labels.filter((label) => !repo.labelIds.includes(label.id));
  return (
    <div className="flex flex-wrap items-center gap-1">
      {repo.labelIds.map((labelId) => (
        <form key={labelId} action={detach} className="inline-flex">
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="labelId" value={labelId} />
          <input type="hidden" name="repoId" value={repo.id} />
          <Badge tone="indigo">
            {labelNames.get(labelId)}
            {canManage && (
              <button
                type="submit"
                disabled={detaching}
                className="ml-1 text-indigo-500 hover:text-indigo-800"
                aria-label={`Remove the label ${labelNames.get(labelId)} from ${repo.slug}`}
              >
                ×
              </button>
            )}
          </Badge>
        </form>
      ))}
      {canManage && attachable.length > 0 && (
        <form action={attach} className="inline-flex items-center gap-1">
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="repoId" value={repo.id} />
          <select
            name="labelId"
            aria-label={`Label to add to ${repo.slug}`}
            className="rounded-md border border-slate-300 bg-white px-1 py-0.5 text-xs"
          >
            {attachable.map((label) => (
              <option key={label.id} value={label.id}>
                {label.name}
              </option>
            ))}
          </select>
          <Button
            type="submit"
            variant="ghost"
            className="px-1.5 py-0.5 text-xs"
            disabled={attaching}
            aria-label={`Add the label to ${repo.slug}`}
          >
            Add
          </Button>
        </form>
      )}
      {[attachState, detachState].map((state, index) => (state && !state.ok ? <FormMessage key={index} message={state.message} /> : null))}
    </div>
  );
}

function RepoActions({ orgSlug, repo }: { orgSlug: string; repo: RepoTableRow }) {
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [archiveState, archive, archiving] = useActionState(setRepoArchivedAction, undefined);
  const [deleteState, remove, removing] = useActionState(deleteRepoAction, undefined);
  const closeEdit = useCallback(() => setEditing(false), []);
  return (
    <div className="flex flex-wrap justify-end gap-1">
      <Button variant="secondary" onClick={() => setEditing(true)} aria-label={`Edit ${repo.slug}`}>
        Edit
      </Button>
      <form action={archive}>
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <input type="hidden" name="repoId" value={repo.id} />
        <input type="hidden" name="archived" value={repo.archived ? "false" : "true"} />
        <Button
          type="submit"
          variant="secondary"
          disabled={archiving}
          aria-label={`${repo.archived ? "Unarchive" : "Archive"} ${repo.slug}`}
        >
          {repo.archived ? "Unarchive" : "Archive"}
        </Button>
      </form>
      <Button variant="danger" onClick={() => setDeleting(true)} aria-label={`Delete ${repo.slug}`}>
        Delete
      </Button>
      {editing && <EditRepoDialog orgSlug={orgSlug} repo={repo} onClose={closeEdit} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${repo.slug}?`}
          body="The repository and its labels' attachments are removed. Tokens are not changed."
          confirmLabel="Delete repository"
          pendingLabel="Deleting…"
          pending={removing}
          form={{ action: remove }}
          onCancel={() => setDeleting(false)}
        >
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="repoId" value={repo.id} />
          {deleteState && !deleteState.ok && <FormMessage message={deleteState.message} />}
        </ConfirmDialog>
      )}
      {archiveState && !archiveState.ok && <FormMessage message={archiveState.message} />}
    </div>
  );
}
