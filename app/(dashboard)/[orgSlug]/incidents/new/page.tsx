import type { Metadata } from "next";
import Link from "next/link";

import { ApplyForm } from "@/components/incidents/apply-form";
import { FILTER_FIELDS, FilterForm } from "@/components/incidents/filter-form";
import { AdminsOnly, EmptyState, PageHeader } from "@/components/shell/page-header";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listTokenCreators, selectIncidentTokens } from "@/lib/db/queries/incidents";
import { incidentFilterSchema } from "@/lib/validations/incident";

export const metadata: Metadata = { title: "New bulk operation" };

/** Rows sent to the browser for the preview; the count covers the whole selection. */
const PREVIEW_ROWS = 500;

export default async function NewIncidentPage({
  params,
  searchParams,
}: {
  params: Promise<{ orgSlug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  if (!can(access.role, "incidents:manage")) return <AdminsOnly />;
  const raw = await searchParams;
  // Only the filter's own fields, first value each: the URL is the filter form's state.
  const values: Record<string, string> = {};
  for (const field of FILTER_FIELDS) {
    const value = raw[field];
    const first = Array.isArray(value) ? value[0] : value;
    if (first) values[field] = first;
  }
  const previewed = "preview" in raw;
  const parsed = incidentFilterSchema.safeParse(values);
  const errors = parsed.success ? {} : fieldErrorsOf(parsed.error.issues);
  const candidates = previewed && parsed.success ? await selectIncidentTokens(access.org.id, parsed.data) : null;
  const creators = await listTokenCreators(access.org.id);
  const base = `/${access.org.slug}`;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href={`${base}/incidents`} className="text-indigo-700 hover:underline">
          ← Incidents
        </Link>
      </nav>
      <PageHeader
        title="New bulk operation"
        description="Choose tokens by what they are and how they were used, check the list, then rotate, disable, hide or revoke them in one step. Every token gets its own audit event tied to this operation."
      />
      <div className="space-y-6">
        <FilterForm action={`${base}/incidents/new`} values={values} errors={errors} creators={creators} />
        {candidates === null ? null : candidates.length === 0 ? (
          <EmptyState title="No tokens match this filter.">Revoked tokens never match: there is nothing left to do to them.</EmptyState>
        ) : (
          <ApplyForm
            // A new selection starts with no rows checked and an empty confirmation.
            key={JSON.stringify(values)}
            orgSlug={access.org.slug}
            candidates={candidates.slice(0, PREVIEW_ROWS)}
            total={candidates.length}
            filterFields={values}
          />
        )}
      </div>
    </>
  );
}

function fieldErrorsOf(issues: { path: PropertyKey[]; message: string }[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of issues) (errors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
  return errors;
}
