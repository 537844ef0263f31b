"use client";

import { dataTableColumns, type DataTableColumn } from "@/components/data-table/data-table";
import { formatRelative } from "@/components/format/relative-time";
import { Badge } from "@/components/ui/badge";
import type { RequestLogRow } from "@/lib/db/queries/usage";

import { OUTCOME_STYLE } from "./outcome-style";

const column = dataTableColumns<RequestLogRow>();

/**
 * Columns of a token's request log; ids match the sort names the server accepts. Times are
 * relative to `now` as the server rendered the page, so the browser shows the same text.
 */
export function requestLogColumns(now: Date): DataTableColumn<RequestLogRow>[] {
  return [
    column.accessor("at", {
      id: "time",
      header: "Time",
      enableSorting: true,
      cell: (info) => {
        const at = info.getValue();
        return (
          <time dateTime={at.toISOString()} title={at.toISOString().replace("T", " ").replace("Z", " UTC")}>
            {formatRelative(at, now)}
          </time>
        );
      },
      meta: { className: "whitespace-nowrap" },
    }),
    column.accessor("route", {
      id: "route",
      header: "Route",
      enableSorting: true,
      cell: (info) => (
        <span className="font-mono text-xs">
          <span className="text-slate-500">{info.row.original.method}</span> {info.getValue()}
        </span>
      ),
    }),
    column.accessor("status", {
      id: "status",
      header: "Status",
      enableSorting: true,
      cell: (info) => (
        <Badge tone={OUTCOME_STYLE[info.row.original.outcome].tone} title={OUTCOME_STYLE[info.row.original.outcome].short}>
          {info.getValue()}
        </Badge>
      ),
    }),
    column.accessor("ip", {
      id: "ip",
      header: "Client IP",
      enableSorting: true,
      cell: (info) => <span className="font-mono text-xs">{info.getValue() ?? "—"}</span>,
    }),
    column.accessor("userAgent", {
      id: "userAgent",
      header: "User agent",
      enableSorting: false,
      cell: (info) => (
        <span className="block max-w-64 truncate text-xs text-slate-600" title={info.getValue() ?? undefined}>
          {info.getValue() ?? "—"}
        </span>
      ),
    }),
    column.accessor("cost", {
      id: "cost",
      header: "Cost",
      enableSorting: false,
      cell: (info) => <span className="tabular-nums">{info.getValue()}</span>,
      meta: { className: "text-right" },
    }),
    column.accessor("valueLastFour", {
      id: "value",
      header: "Value",
      enableSorting: false,
      cell: (info) => {
        const lastFour = info.getValue();
        return lastFour ? (
          <code className="font-mono text-xs" title="Last four characters of the token value used">
            …{lastFour}
          </code>
        ) : (
          "—"
        );
      },
    }),
  ];
}
