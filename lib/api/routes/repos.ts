import { ENDPOINTS } from "../endpoints";
import { requireOwnOrg, type Implementation } from "../context";

type E = typeof ENDPOINTS;

export const getOrgRepoList: Implementation<E["getOrgRepoList"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const { sort, direction, per_page: perPage, page, include_archived: includeArchived, workspace } = context.query;
  // One row more than the page shows whether there is a next page.
  const rows = await context.store.listRepos({
    orgId: org.id,
    sort,
    direction,
    limit: perPage + 1,
    offset: (page - 1) * perPage,
    includeArchived,
    workspace,
  });
  const results = rows.slice(0, perPage).map((repo) => ({
    id: repo.id,
    created_at: new Date(repo.createdAt).toISOString(),
    updated_at: new Date(repo.updatedAt).toISOString(),
    slug: repo.slug,
    head_full_scan_id: repo.headFullScanId,
    integration_meta: null,
    name: repo.name,
    description: repo.description,
    homepage: repo.homepage,
    visibility: repo.visibility === "public" ? "public" : "private",
    archived: repo.archived,
    default_branch: repo.defaultBranch,
    workspace: repo.workspace,
  }));
  return { body: { results, nextPage: rows.length > perPage ? page + 1 : null } };
};
