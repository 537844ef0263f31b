import { requireOwnOrg, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";

type E = typeof ENDPOINTS;

// Repository times repeat from call to call and toISOString is ~0.7 µs (two per repository, up
// to 100 repositories a page): remembered, emptied when it holds this many.
const ISO_TIMES_MAX = 10_000;
const isoTimes = new Map<number, string>();

function isoTime(ms: number): string {
  let iso = isoTimes.get(ms);
  if (iso === undefined) {
    iso = new Date(ms).toISOString();
    if (isoTimes.size >= ISO_TIMES_MAX) isoTimes.clear();
    isoTimes.set(ms, iso);
  }
  return iso;
}

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
    created_at: isoTime(repo.createdAt),
    updated_at: isoTime(repo.updatedAt),
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
