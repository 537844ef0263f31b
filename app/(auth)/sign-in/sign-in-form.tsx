"use client";

import { useActionState } from "react";

import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { signInWithGithub, signInWithPassword } from "@/lib/actions/session";

export function SignInForm({
  callbackUrl,
  githubEnabled,
  initialError,
}: {
  callbackUrl: string;
  githubEnabled: boolean;
  initialError?: string;
}) {
  const [state, formAction, isPending] = useActionState(signInWithPassword, undefined);
  return (
    <div className="space-y-4">
      <form action={formAction} className="space-y-4" noValidate>
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <Field label="Email" name="email" type="email" autoComplete="username" required errors={state?.errors?.email} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={state?.errors?.password} />
        <FormMessage message={state?.message ?? initialError} />
        <Button type="submit" className="w-full" disabled={isPending}>
          {isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {githubEnabled && (
        <form action={signInWithGithub}>
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <Button type="submit" variant="secondary" className="w-full">
            Continue with GitHub
          </Button>
        </form>
      )}
    </div>
  );
}
