import type { Metadata } from "next";

import { AdminsOnly, PageHeader } from "@/components/shell/page-header";
import { CreateWebhookForm } from "@/components/webhooks/webhook-forms";
import { WebhookList } from "@/components/webhooks/webhook-list";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listWebhooksForPage } from "@/lib/db/queries/webhooks";

export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPage({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  if (!can(access.role, "webhooks:manage")) return <AdminsOnly />;
  const webhooks = await listWebhooksForPage(access.org.id);
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Keyward POSTs its events (tokens created, revoked, expired, quota spent, leaks reported, members, incidents) to these URLs, signed with each webhook's secret. Failed deliveries are retried with backoff."
      />
      <section className="mb-8">
        <h2 className="mb-3 text-lg font-semibold">New webhook</h2>
        <CreateWebhookForm orgSlug={access.org.slug} />
      </section>
      <WebhookList orgSlug={access.org.slug} webhooks={webhooks} />
    </>
  );
}
