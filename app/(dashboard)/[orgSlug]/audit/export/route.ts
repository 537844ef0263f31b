import { describeDetails, describeEvent } from "@/components/audit/describe-event";
import { getOrgAccess } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { getRequestContext } from "@/lib/auth/request-context";
import { getCurrentUser } from "@/lib/auth/session";
import { startAuditExport, type AuditListItem } from "@/lib/db/queries/audit";
import { csvField } from "@/lib/db/queries/usage";
import { auditExportParamsSchema } from "@/lib/validations/audit";

// The audit log as CSV or JSON, with the page's filters (every matching event, not one page).
// Authorized like the page: signed-out visitors go to sign-in, a non-member gets the same 404 as
// a missing org, a member is refused (403): the log names every member's reveals. The export is
// itself an audit event, logged before anything is sent.

const CSV_HEADER = [
  "at",
  "actor",
  "actor_kind",
  "action",
  "event",
  "target_type",
  "target_id",
  "target_name",
  "details",
  "ip",
  "user_agent",
];

const plain = (status: number, text: string) =>
  new Response(`${text}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });

function exportRecord(event: AuditListItem) {
  return {
    at: event.at.toISOString(),
    actor: event.actorLabel,
    actor_kind: event.actorKind,
    action: event.action,
    event: describeEvent(event),
    target_type: event.targetType,
    target_id: event.targetId,
    target_name: event.targetName,
    details: describeDetails(event.action, event.metadata),
    ip: event.ip,
    user_agent: event.userAgent,
    metadata: event.metadata,
  };
}

function csvLine(fields: readonly (string | null)[]): string {
  return `${fields.map((field) => csvField(field ?? "")).join(",")}\r\n`;
}

async function* csvChunks(batches: AsyncGenerator<AuditListItem[]>): AsyncGenerator<string> {
  yield csvLine(CSV_HEADER);
  for await (const batch of batches) {
    yield batch
      .map((event) => {
        const r = exportRecord(event);
        return csvLine([
          r.at,
          r.actor,
          r.actor_kind,
          r.action,
          r.event,
          r.target_type,
          r.target_id,
          r.target_name,
          r.details.join("; "),
          r.ip,
          r.user_agent,
        ]);
      })
      .join("");
  }
}

async function* jsonChunks(
  orgSlug: string,
  filters: Record<string, string | undefined>,
  batches: AsyncGenerator<AuditListItem[]>,
): AsyncGenerator<string> {
  yield `{"organization":${JSON.stringify(orgSlug)},"filters":${JSON.stringify(filters)},"events":[`;
  let first = true;
  for await (const batch of batches) {
    for (const event of batch) {
      yield `${first ? "" : ","}\n${JSON.stringify(exportRecord(event))}`;
      first = false;
    }
  }
  yield "\n]}\n";
}

export async function GET(request: Request, { params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const user = await getCurrentUser();
  if (!user) {
    return new Response(null, {
      status: 303,
      headers: { Location: `/sign-in?callbackUrl=${encodeURIComponent(`/${orgSlug}/audit`)}`, "Cache-Control": "no-store" },
    });
  }
  const access = await getOrgAccess(orgSlug);
  if (!access) return plain(404, "Not found");
  if (!can(access.role, "audit:view")) return plain(403, "Only admins can export the audit log.");

  const { format, ...filters } = auditExportParamsSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { ip, userAgent } = await getRequestContext();
  const batches = await startAuditExport(access.org.id, filters, { user, format, ip, userAgent });
  const chunks = format === "json" ? jsonChunks(access.org.slug, filters, batches) : csvChunks(batches);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${access.org.slug}-audit-log.${format}"`,
      "Cache-Control": "no-store",
    },
  });
}
