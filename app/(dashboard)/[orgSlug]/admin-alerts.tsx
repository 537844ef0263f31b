import { AdminAlerts } from "@/components/incidents/admin-alerts";
import { adminAlerts } from "@/lib/db/queries/incidents";

/** Loads the admins' banner for the org's layout (components take data as props). */
export async function OrgAdminAlerts({ orgId, orgSlug }: { orgId: string; orgSlug: string }) {
  const { leaked, expiring, leakedServiceKeys } = await adminAlerts(orgId);
  return <AdminAlerts leaked={leaked} expiring={expiring} leakedServiceKeys={leakedServiceKeys} orgSlug={orgSlug} />;
}
