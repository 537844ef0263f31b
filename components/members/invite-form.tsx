"use client";

import { useActionState, useState } from "react";

import { Button } from "@/components/ui/button";
import { FieldErrors, FormMessage } from "@/components/ui/field";
import { ShownOnceSecret } from "@/components/ui/secret-value";
import { inviteMembers } from "@/lib/actions/invitations";

export function InviteForm({ orgSlug, githubEnabled }: { orgSlug: string; githubEnabled: boolean }) {
  const [kind, setKind] = useState<"email" | "github">("email");
  // Controlled, so a refused list stays in the box to be corrected; cleared once invitations went out.
  const [invitees, setInvitees] = useState("");
  const [role, setRole] = useState<"MEMBER" | "ADMIN">("MEMBER");
  const [state, formAction, isPending] = useActionState(
    async (prev: Awaited<ReturnType<typeof inviteMembers>> | undefined, form: FormData) => {
      const result = await inviteMembers(prev, form);
      if (result.ok) setInvitees("");
      return result;
    },
    undefined,
  );
  const outcomes = state?.data?.outcomes ?? [];
  const skipped = state?.data?.skipped ?? [];
  const firstLink = outcomes.find((o) => o.delivery !== "emailed");
  return (
    <section aria-labelledby="invite-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="invite-heading" className="mb-3 text-base font-semibold">
        Invite people
      </h2>
      <fieldset className="mb-3 flex flex-wrap gap-4 text-sm">
        <legend className="sr-only">Invite by</legend>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="invite-kind" checked={kind === "email"} onChange={() => setKind("email")} />
          By email
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="invite-kind" checked={kind === "github"} onChange={() => setKind("github")} />
          By GitHub login
        </label>
      </fieldset>
      <form action={formAction} className="space-y-3" noValidate>
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <input type="hidden" name="kind" value={kind} />
        <div className="flex flex-col gap-1">
          <label htmlFor="invitees" className="text-sm font-medium text-slate-700">
            {kind === "email" ? "Email addresses" : "GitHub logins"}
          </label>
          <textarea
            id="invitees"
            name="invitees"
            rows={3}
            value={invitees}
            onChange={(e) => setInvitees(e.target.value)}
            placeholder={kind === "email" ? "ada@example.com, grace@example.com" : "@octocat, @hubot"}
            aria-invalid={state?.errors?.invitees ? true : undefined}
            aria-describedby="invitees-hint invitees-error"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 aria-invalid:border-red-500"
          />
          <p id="invitees-hint" className="text-xs text-slate-500">
            {kind === "email"
              ? "Separate addresses with commas or new lines. Each gets a link that works once, for 7 days."
              : githubEnabled
                ? "They join by signing in with the GitHub account of that login."
                : "GitHub sign-in is not configured on this server (AUTH_GITHUB_ID / AUTH_GITHUB_SECRET), so these invitations cannot be accepted yet."}
          </p>
          <FieldErrors id="invitees-error" errors={state?.errors?.invitees} />
        </div>
        <div className="flex flex-wrap items-end gap-3">
          <div className="flex flex-col gap-1">
            <label htmlFor="invite-role" className="text-sm font-medium text-slate-700">
              Role
            </label>
            <select
              id="invite-role"
              name="role"
              value={role}
              onChange={(e) => setRole(e.target.value as "MEMBER" | "ADMIN")}
              className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm"
            >
              <option value="MEMBER">Member</option>
              <option value="ADMIN">Admin</option>
            </select>
          </div>
          <Button type="submit" disabled={isPending}>
            {isPending ? "Inviting…" : "Send invitations"}
          </Button>
        </div>
        <FormMessage message={state?.message} ok={state?.ok} />
      </form>
      {(outcomes.length > 0 || skipped.length > 0) && (
        <ul className="mt-3 space-y-2 text-sm" aria-label="Invitation results">
          {outcomes.map((o) =>
            o.delivery === "emailed" ? (
              <li key={o.invitee} className="text-green-700">
                Invitation emailed to {o.invitee}.
              </li>
            ) : (
              <li key={o.invitee}>
                {/* Only the first link takes focus: moving it down a list would skip the others. */}
                <ShownOnceSecret label={`Invitation link for ${o.invitee}`} value={o.link ?? ""} focusOnShow={o === firstLink}>
                  Send it to them yourself.
                </ShownOnceSecret>
              </li>
            ),
          )}
          {skipped.map((s) => (
            <li key={s.invitee} className="text-slate-600">
              Skipped {s.invitee}: {s.reason}.
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
