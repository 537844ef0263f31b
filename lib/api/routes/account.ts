import type { Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { notFound } from "../errors";

type E = typeof ENDPOINTS;

export const getQuota: Implementation<E["getQuota"]> = ({ quota }) => ({
  body: { quota: quota.remaining, maxQuota: quota.max, nextWindowRefresh: new Date(quota.resetAt).toISOString() },
});

export const getOrganizations: Implementation<E["getOrganizations"]> = async ({ store, token, org: charged }) => {
  const org = charged !== undefined ? charged : await store.findOrg(token.orgId);
  if (!org) throw notFound("Organization not found.");
  return { body: { organizations: { [org.id]: { id: org.id, name: org.name, image: null, plan: org.plan, slug: org.slug } } } };
};
