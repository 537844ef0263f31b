import { db } from "../../db/client";
import { requireOwnOrg, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { notFound } from "../errors";

// Socket clients' telemetry: the org's setting, which the CLI reads before sending anything, and
// an endpoint that receives events and only counts them. Nothing leaves Keyward.

type E = typeof ENDPOINTS;

export const getOrgTelemetryConfig: Implementation<E["getOrgTelemetryConfig"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const row = await db.org.findUnique({ where: { id: org.id }, select: { telemetryEnabled: true } });
  if (!row) throw notFound("Organization not found.");
  return { body: { telemetry: { enabled: row.telemetryEnabled } } };
};

export const updateOrgTelemetryConfig: Implementation<E["updateOrgTelemetryConfig"]> = async (context) => {
  const org = await requireOwnOrg(context);
  const updated = await db.org.updateMany({ where: { id: org.id }, data: { telemetryEnabled: context.body.enabled } });
  if (updated.count === 0) throw notFound("Organization not found.");
  return { body: { telemetry: { enabled: context.body.enabled } } };
};

export const postOrgTelemetry: Implementation<E["postOrgTelemetry"]> = async (context) => {
  const org = await requireOwnOrg(context);
  // One guarded increment: concurrent events are all counted.
  await db.org.updateMany({ where: { id: org.id }, data: { telemetryEventCount: { increment: 1 } } });
  return { body: {} };
};
