"use client";

import { useMemo } from "react";

import { DataTable } from "@/components/data-table/data-table";
import { DataTableFilter, DataTableSearch } from "@/components/data-table/toolbar";
import { useUrlTableState } from "@/components/data-table/use-url-state";
import type { AuditFilterOptions, AuditPage } from "@/lib/db/queries/audit";
import type { AuditListParams } from "@/lib/validations/audit";
import { DEFAULT_PAGE_SIZE, PAGE_SIZES } from "@/lib/validations/token";

import { auditColumns } from "./columns";
import { actionLabel } from "./describe-event";

/** The audit log, newest first; filters and pages are URL state, queried on the server. */
export function AuditTable({
  orgSlug,
  page,
  params,
  options,
  tokenName,
}: {
  orgSlug: string;
  page: AuditPage;
  params: AuditListParams;
  options: AuditFilterOptions;
  tokenName: string | null;
}) {
  const { setParams, setPagination, pending } = useUrlTableState({ defaultPageSize: DEFAULT_PAGE_SIZE });
  const columns = useMemo(() => auditColumns({ orgSlug }), [orgSlug]);
  const pagination = useMemo(() => ({ pageIndex: page.page - 1, pageSize: page.pageSize }), [page.page, page.pageSize]);
  const actionOptions = options.actions.map((action) => ({ value: action, label: actionLabel(action) }));
  const filtered = Boolean(params.action || params.actor || params.token || params.q || params.from || params.to);
  const tokenOptions =
    params.token && !options.tokens.some((t) => t.value === params.token)
      ? [...options.tokens, { value: params.token, label: tokenName ?? "unknown token" }]
      : options.tokens;
  // The export takes the page's filters (not its page): it holds every event shown across pages.
  const exportQuery = (format: "csv" | "json") => {
    const query = new URLSearchParams({ format });
    for (const key of ["action", "actor", "token", "q", "from", "to"] as const) if (params[key]) query.set(key, params[key]!);
    return `/${orgSlug}/audit/export?${query.toString()}`;
  };
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <DataTableSearch
          label="Search the audit log"
          placeholder="Search people, tokens, details…"
          value={params.q ?? ""}
          onSearch={(q) => setParams({ q })}
        />
        <DataTableFilter label="Action" value={params.action ?? ""} options={actionOptions} onChange={(action) => setParams({ action })} />
        <DataTableFilter
          label="Actor"
          value={params.actor ?? ""}
          options={options.actors}
          onChange={(actor) => setParams({ actor })}
          anyLabel="Anyone"
        />
        <DataTableFilter
          label="Token"
          value={params.token ?? ""}
          options={tokenOptions}
          onChange={(token) => setParams({ token })}
          anyLabel="Any token"
        />
        <label className="flex items-center gap-1.5 text-sm text-slate-600">
          From
          <input
            type="date"
            value={params.from ?? ""}
            max={params.to}
            onChange={(e) => setParams({ from: e.target.value })}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900 shadow-sm"
          />
        </label>
        <label className="flex items-center gap-1.5 text-sm text-slate-600">
          To
          <input
            type="date"
            value={params.to ?? ""}
            min={params.from}
            onChange={(e) => setParams({ to: e.target.value })}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900 shadow-sm"
          />
        </label>
        {filtered && (
          <button
            type="button"
            onClick={() => setParams({ action: null, actor: null, token: null, q: null, from: null, to: null })}
            className="text-sm text-indigo-700 hover:underline"
          >
            Clear filters
          </button>
        )}
        <span className="ml-auto flex items-center gap-2 text-sm text-slate-600">
          Export {filtered ? "these events" : "all events"}:
          <a href={exportQuery("csv")} className="text-indigo-700 hover:underline" download>
            CSV
          </a>
          <a href={exportQuery("json")} className="text-indigo-700 hover:underline" download>
            JSON
          </a>
        </span>
      </div>
      <DataTable
        label="Audit log"
        columns={columns}
        data={page.rows}
        getRowId={(row) => row.id}
        rowCount={page.total}
        pagination={pagination}
        onPaginationChange={setPagination}
        pending={pending}
        pageSizes={PAGE_SIZES}
        empty={filtered ? "No events match these filters." : "Nothing recorded yet."}
      />
    </div>
  );
}
