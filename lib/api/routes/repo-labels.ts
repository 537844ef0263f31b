import { db } from "../../db/client";
import {
  createRepoLabel,
  deleteRepoLabel,
  LABEL_SELECT,
  labelRowOf,
  renameRepoLabel,
  setRepoLabelLink,
  type RepoLabelRow,
} from "../../db/repo-mutations";
import { requireOwnOrg, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { conflict, notFound } from "../errors";
import { repoActorOf } from "./repos";

// Socket's repository labels (beta): a name per org, attached to the org's repositories. Keyward
// keeps no package policies, so a label never has one.

type E = typeof ENDPOINTS;

const LABEL_NOT_FOUND = "Repository label not found.";
const NAME_TAKEN = "A label with this name already exists in the organization.";

function labelJson(label: RepoLabelRow) {
  return { id: label.id, name: label.name, repository_ids: label.repositoryIds, has_security_policy: false, has_license_policy: false };
}

export const getOrgRepoLabelList: Implementation<E["getOrgRepoLabelList"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const { per_page: perPage, page } = context.query;
  // One row more than the page shows whether there is a next page.
  const rows = await db.repoLabel.findMany({
    where: { orgId: org.id },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    skip: (page - 1) * perPage,
    take: perPage + 1,
    select: LABEL_SELECT,
  });
  const results = rows.slice(0, perPage).map((row) => labelJson(labelRowOf(row)));
  return { body: { results, nextPage: rows.length > perPage ? page + 1 : null } };
};

export const createOrgRepoLabel: Implementation<E["createOrgRepoLabel"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const result = await createRepoLabel(repoActorOf(context), org.id, context.body.name);
  if (!result.ok) throw conflict(NAME_TAKEN);
  return { status: ENDPOINTS.createOrgRepoLabel.successStatus, body: labelJson(result.label) };
};

export const getOrgRepoLabel: Implementation<E["getOrgRepoLabel"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const label = await db.repoLabel.findFirst({ where: { id: context.params.label_id, orgId: org.id }, select: LABEL_SELECT });
  if (!label) throw notFound(LABEL_NOT_FOUND);
  return { body: labelJson(labelRowOf(label)) };
};

export const updateOrgRepoLabel: Implementation<E["updateOrgRepoLabel"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const result = await renameRepoLabel(repoActorOf(context), org.id, context.params.label_id, context.body.name);
  if (!result.ok) throw result.reason === "not_found" ? notFound(LABEL_NOT_FOUND) : conflict(NAME_TAKEN);
  return { body: labelJson(result.label) };
};

export const deleteOrgRepoLabel: Implementation<E["deleteOrgRepoLabel"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const result = await deleteRepoLabel(repoActorOf(context), org.id, context.params.label_id);
  if (!result.ok) throw notFound(LABEL_NOT_FOUND);
  return { body: { status: "ok" } };
};

function linkEndpoint(attached: boolean): Implementation<E["associateOrgRepoLabel"] | E["disassociateOrgRepoLabel"]> {
  return async (context) => {
    const org = await requireOwnOrg(context);
    const result = await setRepoLabelLink(repoActorOf(context), org.id, context.params.label_id, context.body.repository_id, attached);
    if (!result.ok) throw notFound(result.reason === "label_not_found" ? LABEL_NOT_FOUND : "Repository not found.");
    return { body: { status: "ok" } };
  };
}

export const associateOrgRepoLabel = linkEndpoint(true);
export const disassociateOrgRepoLabel = linkEndpoint(false);
