"use client";

import { useActionState, useState } from "react";

import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { updateGithubJoinSetting } from "@/lib/actions/members";

export function GithubJoinForm({
  orgSlug,
  githubOrg,
  githubEnabled,
}: {
  orgSlug: string;
  githubOrg: string | null;
  githubEnabled: boolean;
}) {
  const [state, formAction, isPending] = useActionState(updateGithubJoinSetting, undefined);
  // Controlled, so a rejected name stays in the field to be corrected.
  const [value, setValue] = useState(githubOrg ?? "");
  return (
    <section aria-labelledby="github-join-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="github-join-heading" className="mb-1 text-base font-semibold">
        Join through a GitHub organization
      </h2>
      <p className="mb-3 text-sm text-slate-600">
        Members of this GitHub organization join as members when they sign in with GitHub. Leave empty to turn it off.
        {!githubEnabled && " GitHub sign-in is not configured on this server, so this has no effect yet."}
      </p>
      <form action={formAction} className="flex flex-wrap items-end gap-2">
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <Field
          label="GitHub organization"
          name="githubOrg"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="acme-corp"
          errors={state?.errors?.githubOrg}
        />
        <Button type="submit" variant="secondary" disabled={isPending}>
          {isPending ? "Saving…" : "Save"}
        </Button>
      </form>
      <FormMessage message={state?.ok ? state.message : state?.errors ? undefined : state?.message} ok={state?.ok} />
    </section>
  );
}
