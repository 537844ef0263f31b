import "server-only";

import { db } from "../client";
import { LABEL_SELECT, labelRowOf, REPO_SELECT, type RepoLabelRow, type RepoRow } from "../repo-mutations";

export type RepoPageRow = RepoRow & { labelIds: string[] };

/** The org's repositories (archived too) with their labels' ids, for the Repositories page. */
export async function listReposForPage(orgId: string, limit = 500): Promise<RepoPageRow[]> {
  const rows = await db.repo.findMany({
    where: { orgId },
    orderBy: [{ archived: "asc" }, { slug: "asc" }],
    take: limit,
    select: { ...REPO_SELECT, labels: { select: { labelId: true } } },
  });
  return rows.map(({ labels, ...repo }) => ({ ...repo, labelIds: labels.map((link) => link.labelId) }));
}

export async function listRepoLabelsForPage(orgId: string, limit = 500): Promise<RepoLabelRow[]> {
  const rows = await db.repoLabel.findMany({ where: { orgId }, orderBy: [{ name: "asc" }], take: limit, select: LABEL_SELECT });
  return rows.map(labelRowOf);
}
