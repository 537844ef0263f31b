import "server-only";

import { notFound, redirect } from "next/navigation";
import { cache } from "react";

import { db } from "../db/client";
import { isStorableText } from "../validations/text";
import type { OrgRole } from "./permissions";
import { getCurrentUser, type CurrentUser } from "./session";

export type OrgAccess = {
  user: CurrentUser;
  org: { id: string; slug: string; name: string };
  role: OrgRole;
};

/** The caller's membership of the org with this slug; null for non-members and unknown orgs alike. */
export const getOrgAccess = cache(async (orgSlug: string): Promise<OrgAccess | null> => {
  const user = await getCurrentUser();
  // No org's slug holds a NUL (%00 in a URL), and PostgreSQL refuses one in a query.
  if (!user || !isStorableText(orgSlug)) return null;
  const membership = await db.membership.findFirst({
    where: { userId: user.id, org: { slug: orgSlug } },
    select: { role: true, org: { select: { id: true, slug: true, name: true } } },
  });
  if (!membership) return null;
  return { user, org: membership.org, role: membership.role };
});

/** For pages: signed-out visitors go to sign-in; non-members get the same 404 as a missing org. */
export async function requireOrgPage(orgSlug: string): Promise<OrgAccess> {
  const user = await getCurrentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(`/${orgSlug}`)}`);
  const access = await getOrgAccess(orgSlug);
  if (!access) notFound();
  return access;
}

export const listUserOrgs = cache(async (userId: string) => {
  const memberships = await db.membership.findMany({
    where: { userId },
    select: { role: true, org: { select: { slug: true, name: true } } },
    orderBy: { org: { name: "asc" } },
  });
  return memberships.map((m) => ({ slug: m.org.slug, name: m.org.name, role: m.role }));
});
