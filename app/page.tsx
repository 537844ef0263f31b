import { redirect } from "next/navigation";

import { PendingInvitations } from "@/components/members/pending-invitations";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { listUserOrgs } from "@/lib/auth/org-access";
import { getCurrentUser } from "@/lib/auth/session";
import { listInvitationsForUser } from "@/lib/db/queries/members";

export default async function Home() {
  const user = await getCurrentUser();
  if (!user) redirect("/sign-in");
  const orgs = await listUserOrgs(user.id);
  if (orgs.length > 0) redirect(`/${orgs[0].slug}/tokens`);
  const invitations = await listInvitationsForUser(user.id);
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-3 text-center">
      <h1 className="text-2xl font-semibold">No organization yet</h1>
      <p className="text-slate-600">
        You are signed in as {user.email}, but you are not a member of any organization.{" "}
        {invitations.length > 0 ? "You have been invited to:" : "Ask an admin for an invitation."}
      </p>
      {invitations.length > 0 && (
        <PendingInvitations invitations={invitations.map((i) => ({ id: i.id, orgName: i.org.name, role: i.role }))} />
      )}
      <SignOutButton />
    </main>
  );
}
