import { PausedWebhooksBanner } from "@/components/webhooks/webhook-list";
import { autoPausedWebhooks } from "@/lib/db/queries/webhooks";

/** Loads the admins' "webhook paused" banner for the org's layout (components take data as props). */
export async function OrgWebhookAlerts({ orgId, orgSlug }: { orgId: string; orgSlug: string }) {
  return <PausedWebhooksBanner orgSlug={orgSlug} paused={await autoPausedWebhooks(orgId)} />;
}
