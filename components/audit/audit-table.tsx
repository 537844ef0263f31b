"use client";

import { useMemo } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { DataTableFilter } from "@/components/data-table/toolbar";
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
  const filtered = Boolean(params.action || params.actor || params.token);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <DataTableFilter label="Action" value={params.action ?? ""} options={actionOptions} onChange={(action) => setParams({ action })} />
        <DataTableFilter label="Actor" value={params.actor ?? ""} options={options.actors} onChange={(actor) => setParams({ actor })} anyLabel="Anyone" />
        {params.token && (
          <span className="inline-flex items-center gap-1 rounded-full bg-indigo-50 py-0.5 pl-3 pr-1 text-sm text-indigo-800">
            Token: {tokenName ?? "unknown"}
            <button
              type="button"
              onClick={() => setParams({ token: null })}
              aria-label="Remove token filter"
              className="rounded-full px-1.5 hover:bg-indigo-100"
            >
              ×
            </button>
          </span>
        )}
        {filtered && (
          <button type="button" onClick={() => setParams({ action: null, actor: null, token: null })} className="text-sm text-indigo-700 hover:underline">
            Clear filters
          </button>
        )}
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
