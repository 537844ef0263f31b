import type { Metadata } from "next";

import { AuditTable } from "@/components/audit/audit-table";
import { AdminsOnly, PageHeader } from "@/components/shell/page-header";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { auditFilterOptions, listAuditEvents, tokenNameInOrg } from "@/lib/db/queries/audit";
import { auditListParamsSchema } from "@/lib/validations/audit";
import { firstValues } from "@/lib/validations/token";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ orgSlug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  if (!can(access.role, "audit:view")) return <AdminsOnly />;
  const query = auditListParamsSchema.parse(firstValues(await searchParams));
  const [page, options, tokenName] = await Promise.all([
    listAuditEvents(access.org.id, query),
    auditFilterOptions(access.org.id),
    query.token ? tokenNameInOrg(access.org.id, query.token) : null,
  ]);
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change to tokens and members, and every reveal of a token value: who, when and from where. Entries cannot be changed or deleted."
      />
      <AuditTable orgSlug={access.org.slug} page={page} params={query} options={options} tokenName={tokenName} />
    </>
  );
}
