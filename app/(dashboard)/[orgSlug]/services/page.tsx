import type { Metadata } from "next";
import { notFound } from "next/navigation";

import { RegisterServiceForm, ServicesList } from "@/components/services/services-panel";
import { PageHeader } from "@/components/shell/page-header";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listServices } from "@/lib/db/queries/services";

export const metadata: Metadata = { title: "Services" };

export default async function ServicesPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  // Admins only: the page lists every service's setup. Others get the same 404 as a missing page.
  if (!can(access.role, "services:manage")) notFound();
  const services = await listServices(access.org.id);
  return (
    <>
      <PageHeader
        title="Services"
        description="Your own APIs that Keyward's tokens protect: services verify tokens with POST /v1/verify, or sit behind the gateway at /gw/<slug>/."
      />
      <div className="space-y-6">
        <ServicesList orgSlug={access.org.slug} services={services} />
        <RegisterServiceForm orgSlug={access.org.slug} />
      </div>
    </>
  );
}
