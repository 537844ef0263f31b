import type { Metadata } from "next";

import { PageHeader } from "@/components/shell/page-header";
import { TokensTable } from "@/components/tokens/tokens-table";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listTokens } from "@/lib/db/queries/tokens";
import { firstValues, tokenListParamsSchema } from "@/lib/validations/token";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage({
  params,
  searchParams,
}: {
  params: Promise<{ orgSlug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const query = tokenListParamsSchema.parse(firstValues(await searchParams));
  const page = await listTokens(access.org.id, access.role, query);
  const canManage = can(access.role, "tokens:manage");
  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          canManage
            ? "Every token of the organization. Only admins create and change tokens; every change is in the audit log."
            : "Tokens your admins made visible to organization members. Copying a value is recorded in the audit log."
        }
      />
      <TokensTable orgSlug={access.org.slug} canManage={canManage} page={page} params={query} />
    </>
  );
}
