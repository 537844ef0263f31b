import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { Logo } from "@/components/shell/logo";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { githubEnabled } from "@/lib/auth/next-auth";
import { getCurrentUser } from "@/lib/auth/session";
import { publicOrigin } from "@/lib/server/public-origin";

import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[]; error?: string }> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl, await publicOrigin());
  if (await getCurrentUser()) redirect(callbackUrl);
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm space-y-6 rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <div className="space-y-1">
          <Logo className="text-lg" />
          <h1 className="text-2xl font-semibold">Sign in</h1>
          <p className="text-sm text-slate-600">Manage your organization&apos;s API tokens.</p>
        </div>
        <SignInForm callbackUrl={callbackUrl} githubEnabled={githubEnabled} initialError={signInErrorMessage(params.error)} />
      </div>
    </main>
  );
}

function signInErrorMessage(error: string | undefined): string | undefined {
  if (!error) return undefined;
  // Set by the GitHub sign-in callback when no Keyward user or invitation matches the account.
  if (error === "GitHubNoAccount")
    return "No Keyward account belongs to this GitHub account. Ask an admin of your organization to invite you.";
  return "Sign-in failed. Please try again.";
}
