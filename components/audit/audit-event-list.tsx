import { RelativeTime } from "@/components/format/relative-time";
import type { AuditListItem } from "@/lib/db/queries/audit";

import { actionLabel, describeDetails } from "./describe-event";

/** A short list of events (a token's recent activity); the audit page uses the full table. */
export function AuditEventList({ events }: { events: AuditListItem[] }) {
  if (events.length === 0) return <p className="text-sm text-slate-500">Nothing recorded yet.</p>;
  return (
    <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
      {events.map((event) => (
        <li key={event.id} className="flex flex-wrap gap-x-4 gap-y-1 px-4 py-2">
          <span className="w-32 text-slate-500">
            <RelativeTime date={event.at} />
          </span>
          <span className="font-medium">{actionLabel(event.action)}</span>
          <span>{event.actorLabel}</span>
          <span className="text-slate-500">{describeDetails(event.action, event.metadata).join("; ")}</span>
        </li>
      ))}
    </ol>
  );
}
