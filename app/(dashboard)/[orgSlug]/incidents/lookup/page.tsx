import type { Metadata } from "next";
import Link from "next/link";

import { LookupForm } from "@/components/incidents/lookup-form";
import { AdminsOnly, PageHeader } from "@/components/shell/page-header";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";

export const metadata: Metadata = { title: "Which token is this?" };

export default async function LookupPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  if (!can(access.role, "incidents:manage")) return <AdminsOnly />;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href={`/${access.org.slug}/incidents`} className="text-indigo-700 hover:underline">
          ← Incidents
        </Link>
      </nav>
      <PageHeader
        title="Which token is this?"
        description="Paste a string found in a log or a repository: see which token it is, in any organization you administer, who has copied it, and rotate or disable it on the spot. A service verification key (kws_…) is named with its service."
      />
      <LookupForm orgSlug={access.org.slug} />
    </>
  );
}
