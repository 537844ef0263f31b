"use client";

import Link from "next/link";

import { dataTableColumns, type DataTableColumn } from "@/components/data-table/data-table";
import { RelativeTime } from "@/components/format/relative-time";
import { Badge } from "@/components/ui/badge";
import type { AuditListItem } from "@/lib/db/queries/audit";

import { actionLabel, describeDetails, describeEvent } from "./describe-event";

const column = dataTableColumns<AuditListItem>();

function actionTone(action: string) {
  if (action.endsWith(".revoked") || action.endsWith(".removed")) return "red" as const;
  if (action.endsWith(".disabled")) return "amber" as const;
  if (action.endsWith(".revealed")) return "sky" as const;
  return "indigo" as const;
}

export function auditColumns({ orgSlug }: { orgSlug: string }): DataTableColumn<AuditListItem>[] {
  return [
    column.accessor("at", {
      id: "at",
      header: "When",
      meta: { className: "whitespace-nowrap" },
      cell: ({ row }) => <RelativeTime date={row.original.at} />,
    }),
    column.accessor("action", {
      id: "event",
      header: "Event",
      cell: ({ row }) => (
        <div className="space-y-1">
          <p className="[overflow-wrap:anywhere]" data-testid="audit-sentence">
            {describeEvent(row.original)}
          </p>
          <Badge tone={actionTone(row.original.action)} title={row.original.action}>
            {actionLabel(row.original.action)}
          </Badge>
        </div>
      ),
    }),
    column.accessor("targetName", {
      id: "target",
      header: "Target",
      cell: ({ row }) => {
        const { targetType, targetId, targetName } = row.original;
        if (targetType === "token" && targetId) {
          return (
            <Link href={`/${orgSlug}/tokens/${targetId}`} className="text-indigo-700 hover:underline">
              {targetName ?? "deleted token"}
            </Link>
          );
        }
        return <span className="text-slate-500">{targetType ?? "—"}</span>;
      },
    }),
    column.display({
      id: "details",
      header: "Details",
      cell: ({ row }) => {
        const lines = describeDetails(row.original.action, row.original.metadata);
        return lines.length ? (
          <ul className="max-w-md space-y-0.5 text-xs text-slate-700">
            {lines.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        ) : (
          <span className="text-slate-400">—</span>
        );
      },
    }),
    column.accessor("ip", {
      id: "ip",
      header: "IP",
      meta: { className: "whitespace-nowrap font-mono text-xs" },
      cell: ({ row }) => <span title={row.original.userAgent ?? undefined}>{row.original.ip ?? "—"}</span>,
    }),
  ];
}
