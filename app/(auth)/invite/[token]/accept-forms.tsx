"use client";

import { useActionState } from "react";

import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { acceptInvitation, acceptInvitationWithPassword, continueInvitationWithGithub } from "@/lib/actions/invitations";

export function NewAccountForm({ secret, email, minPasswordLength }: { secret: string; email: string; minPasswordLength: number }) {
  const [state, formAction, isPending] = useActionState(acceptInvitationWithPassword, undefined);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="secret" value={secret} />
      <Field label="Email" name="email-shown" value={email} readOnly disabled autoComplete="username" />
      <Field label="Your name" name="name" autoComplete="name" required errors={state?.errors?.name} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={minPasswordLength}
        hint={`At least ${minPasswordLength} characters.`}
        errors={state?.errors?.password}
      />
      <Field
        label="Confirm password"
        name="confirmPassword"
        type="password"
        autoComplete="new-password"
        required
        errors={state?.errors?.confirmPassword}
      />
      <FormMessage message={state?.errors?.secret?.[0] ?? state?.message} ok={state?.ok} />
      <Button type="submit" className="w-full" disabled={isPending}>
        {isPending ? "Creating your account…" : "Create account and join"}
      </Button>
    </form>
  );
}

export function AcceptAsUserForm({ secret, orgName }: { secret: string; orgName: string }) {
  const [state, formAction, isPending] = useActionState(acceptInvitation, undefined);
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="secret" value={secret} />
      <FormMessage message={state?.message} ok={state?.ok} />
      <Button type="submit" className="w-full" disabled={isPending}>
        {isPending ? "Joining…" : `Join ${orgName}`}
      </Button>
    </form>
  );
}

export function GithubContinueForm({ secret }: { secret: string }) {
  return (
    <form action={continueInvitationWithGithub}>
      <input type="hidden" name="secret" value={secret} />
      <Button type="submit" variant="secondary" className="w-full">
        Continue with GitHub
      </Button>
    </form>
  );
}
