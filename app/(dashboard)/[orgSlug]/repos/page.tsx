import type { Metadata } from "next";

import { LabelsPanel } from "@/components/repos/labels-panel";
import { CreateRepoForm } from "@/components/repos/repo-form";
import { ReposTable } from "@/components/repos/repos-table";
import { PageHeader } from "@/components/shell/page-header";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listRepoLabelsForPage, listReposForPage } from "@/lib/db/queries/repos";

export const metadata: Metadata = { title: "Repositories" };

export default async function ReposPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  // Every member sees the repositories tokens are granted against; only admins change them.
  const canManage = can(access.role, "repos:manage");
  const [repos, labels] = await Promise.all([listReposForPage(access.org.id), listRepoLabelsForPage(access.org.id)]);
  const rows = repos.map((repo) => ({
    id: repo.id,
    slug: repo.slug,
    description: repo.description,
    homepage: repo.homepage,
    visibility: repo.visibility,
    defaultBranch: repo.defaultBranch,
    workspace: repo.workspace,
    archived: repo.archived,
    labelIds: repo.labelIds,
  }));
  return (
    <>
      <PageHeader
        title="Repositories"
        description={
          canManage
            ? `The repositories of ${access.org.name}: add, edit, archive, delete and label them.`
            : `The repositories of ${access.org.name}. Admins manage them.`
        }
      />
      <div className="space-y-6">
        <ReposTable orgSlug={access.org.slug} repos={rows} labels={labels} canManage={canManage} />
        {canManage && <CreateRepoForm orgSlug={access.org.slug} />}
        <LabelsPanel orgSlug={access.org.slug} labels={labels} canManage={canManage} />
      </div>
    </>
  );
}
