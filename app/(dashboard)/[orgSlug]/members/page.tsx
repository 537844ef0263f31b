import type { Metadata } from "next";

import { GithubJoinForm } from "@/components/members/github-join-form";
import { InvitationsTable } from "@/components/members/invitations-table";
import { InviteForm } from "@/components/members/invite-form";
import { LeaveOrgButton } from "@/components/members/leave-org-button";
import { MembersTable } from "@/components/members/members-table";
import { OffboardingPanel } from "@/components/members/offboarding-panel";
import { PageHeader } from "@/components/shell/page-header";
import { githubEnabled } from "@/lib/auth/github";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { getOrgGithubLogin, listMembers, listOpenInvitations, listOpenOffboarding } from "@/lib/db/queries/members";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const canManage = can(access.role, "members:manage");
  const [members, invitations, departures, githubOrg] = await Promise.all([
    listMembers(access.org.id),
    canManage ? listOpenInvitations(access.org.id) : [],
    canManage ? listOpenOffboarding(access.org.id) : [],
    canManage ? getOrgGithubLogin(access.org.id) : null,
  ]);
  return (
    <>
      <PageHeader
        title="Members"
        description={canManage ? `People in ${access.org.name}: invite, change roles, remove.` : `People in ${access.org.name}.`}
        actions={<LeaveOrgButton orgSlug={access.org.slug} orgName={access.org.name} />}
      />
      <div className="space-y-6">
        {canManage && departures.length > 0 && <OffboardingPanel orgSlug={access.org.slug} departures={departures} />}
        <MembersTable orgSlug={access.org.slug} members={members} currentUserId={access.user.id} canManage={canManage} />
        {canManage && (
          <>
            <InviteForm orgSlug={access.org.slug} githubEnabled={githubEnabled} />
            <InvitationsTable orgSlug={access.org.slug} invitations={invitations} />
            <GithubJoinForm orgSlug={access.org.slug} githubOrg={githubOrg} githubEnabled={githubEnabled} />
          </>
        )}
      </div>
    </>
  );
}
