import { db } from "../../db/client";
import { createRepo, deleteRepo, REPO_SELECT, updateRepo, type RepoActor, type RepoRow } from "../../db/repo-mutations";
import { repoFieldsFromApi } from "../../validations/repo";
import { requireOwnOrg, tokenActorOf, type ApiContext, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { conflict, notFound } from "../errors";
import type { RepoRecord } from "../store";

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
  const results = rows.slice(0, perPage).map(repoJson);
  return { body: { results, nextPage: rows.length > perPage ? page + 1 : null } };
};

/** A repository as Socket answers it, from the store's record (epoch ms) or Prisma's row (Dates): one mapping for both. */
function repoJson(repo: RepoRecord | RepoRow) {
  return {
    id: repo.id,
    created_at: isoTime(+repo.createdAt),
    updated_at: isoTime(+repo.updatedAt),
    slug: repo.slug,
    head_full_scan_id: repo.headFullScanId,
    integration_meta: null,
    name: repo.name,
    description: repo.description,
    homepage: repo.homepage,
    visibility: repo.visibility === "public" ? ("public" as const) : ("private" as const),
    archived: repo.archived,
    // Stored "" when a client set none (null).
    default_branch: repo.defaultBranch === "" ? null : repo.defaultBranch,
    workspace: repo.workspace,
  };
}

export function repoActorOf(context: ApiContext): RepoActor {
  return tokenActorOf(context);
}

const REPO_NOT_FOUND = "Repository not found.";
const SLUG_TAKEN = "A repository with this name already exists in the organization.";

/** The path's repository, by slug and, when the query names one, workspace. */
function repoKeyOf(context: ApiContext<{ workspace?: string }>) {
  return { slug: context.params.repo, workspace: context.query.workspace };
}

export const createOrgRepo: Implementation<E["createOrgRepo"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const { name, ...rest } = context.body;
  const result = await createRepo(repoActorOf(context), org.id, name, repoFieldsFromApi(rest));
  if (!result.ok) throw conflict(SLUG_TAKEN);
  return { status: ENDPOINTS.createOrgRepo.successStatus, body: repoJson(result.repo) };
};

export const getOrgRepo: Implementation<E["getOrgRepo"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const { slug, workspace } = repoKeyOf(context);
  const repo = await db.repo.findFirst({
    where: { orgId: org.id, slug, ...(workspace !== undefined ? { workspace } : {}) },
    select: REPO_SELECT,
  });
  if (!repo) throw notFound(REPO_NOT_FOUND);
  return { body: { ...repoJson(repo), slig: repo.slug } };
};

export const updateOrgRepo: Implementation<E["updateOrgRepo"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const { name, ...rest } = context.body;
  const result = await updateRepo(repoActorOf(context), org.id, repoKeyOf(context), { ...repoFieldsFromApi(rest), slug: name });
  if (!result.ok) throw result.reason === "not_found" ? notFound(REPO_NOT_FOUND) : conflict(SLUG_TAKEN);
  return { body: repoJson(result.repo) };
};

export const deleteOrgRepo: Implementation<E["deleteOrgRepo"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const result = await deleteRepo(repoActorOf(context), org.id, repoKeyOf(context));
  if (!result.ok) throw notFound(REPO_NOT_FOUND);
  return { body: { status: "ok" } };
};
