import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";

import { Logo } from "@/components/shell/logo";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { githubEnabled } from "@/lib/auth/github";
import { getOrgAccess } from "@/lib/auth/org-access";
import { getCurrentUser } from "@/lib/auth/session";
import { findInvitationByLink, getUserContact, type InvitationLinkView } from "@/lib/db/queries/members";
import { MIN_PASSWORD_LENGTH } from "@/lib/validations/member";

import { AcceptAsUserForm, GithubContinueForm, NewAccountForm } from "./accept-forms";

export const metadata: Metadata = { title: "Invitation", robots: { index: false } };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const [invitation, user] = await Promise.all([findInvitationByLink(token), getCurrentUser()]);

  if (!invitation) {
    return (
      <Card title="This invitation link is not valid">
        <p>Check that you copied the whole link from the email, or ask an admin of your organization for a new invitation.</p>
        <SignInLink />
      </Card>
    );
  }
  const { org } = invitation;
  if (invitation.state === "used") {
    // The person who just accepted (e.g. returning from GitHub) goes straight in.
    if (user && (await getOrgAccess(org.slug))) redirect(`/${org.slug}/tokens`);
    return (
      <Card title="This invitation has already been used">
        <p>
          Each invitation link works once. If you accepted it, sign in to reach {org.name}; otherwise ask an admin of {org.name} for a new
          invitation.
        </p>
        <SignInLink />
      </Card>
    );
  }
  if (invitation.state === "expired") {
    return (
      <Card title="This invitation has expired">
        <p>Invitation links work for 7 days. Ask an admin of {org.name} to send you a new one.</p>
        <SignInLink />
      </Card>
    );
  }
  if (invitation.state === "revoked") {
    return (
      <Card title="This invitation was revoked">
        <p>An admin of {org.name} withdrew it. If you think that is a mistake, ask them for a new invitation.</p>
        <SignInLink />
      </Card>
    );
  }

  const joinTitle = `Join ${org.name} on Keyward`;
  const intro = <Intro invitation={invitation} />;
  if (user) {
    const current = await getUserContact(user.id);
    const isInvitee = invitation.email ? current.email === invitation.email : current.githubLogin === invitation.githubLogin;
    if (isInvitee) {
      return (
        <Card title={joinTitle}>
          {intro}
          <AcceptAsUserForm secret={token} orgName={org.name} />
        </Card>
      );
    }
    return (
      <Card title="This invitation is for someone else">
        {intro}
        <p>
          You are signed in as <strong>{current.email}</strong>
          {current.githubLogin ? ` (GitHub @${current.githubLogin})` : ""}. Sign out, then open the link again as{" "}
          <strong>{invitation.email ?? `@${invitation.githubLogin}`}</strong>.
        </p>
        <SignOutButton />
      </Card>
    );
  }

  if (invitation.githubLogin) {
    return (
      <Card title={joinTitle}>
        {intro}
        {githubEnabled ? (
          <>
            <p>Sign in with the GitHub account @{invitation.githubLogin} to join.</p>
            <GithubContinueForm secret={token} />
          </>
        ) : (
          <p role="alert">GitHub sign-in is not set up on this Keyward server. Ask your admin to invite you by email instead.</p>
        )}
      </Card>
    );
  }
  if (invitation.accountExists) {
    return (
      <Card title={joinTitle}>
        {intro}
        <p>You already have a Keyward account as {invitation.email}. Sign in to accept the invitation.</p>
        <Link
          href={`/sign-in?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`}
          className="inline-flex rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
        >
          Sign in to accept
        </Link>
      </Card>
    );
  }
  return (
    <Card title={joinTitle}>
      {intro}
      <NewAccountForm secret={token} email={invitation.email!} minPasswordLength={MIN_PASSWORD_LENGTH} />
      {githubEnabled && (
        <>
          <p className="text-center text-xs uppercase tracking-wide text-slate-400">or</p>
          <GithubContinueForm secret={token} />
        </>
      )}
    </Card>
  );
}

function Intro({ invitation }: { invitation: InvitationLinkView }) {
  const role = invitation.role === "ADMIN" ? "an admin" : "a member";
  return (
    <p>
      {invitation.invitedBy ? `${invitation.invitedBy} invited` : "You are invited:"}{" "}
      <strong>{invitation.email ?? `@${invitation.githubLogin}`}</strong> to join <strong>{invitation.org.name}</strong> as {role}.
    </p>
  );
}

function Card({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md space-y-5 rounded-xl border border-slate-200 bg-white p-8 text-sm text-slate-700 shadow-sm">
        <Logo className="text-lg text-slate-900" />
        <h1 className="text-2xl font-semibold text-slate-900">{title}</h1>
        {children}
      </div>
    </main>
  );
}

function SignInLink() {
  return (
    <p>
      <Link href="/sign-in" className="font-medium text-indigo-600 hover:underline">
        Go to sign-in
      </Link>
    </p>
  );
}
