"use client";

import { useMemo, useState } from "react";

import { DataTable } from "@/components/data-table/data-table";
import { DataTableFilter, DataTableSearch } from "@/components/data-table/toolbar";
import { useUrlTableState } from "@/components/data-table/use-url-state";
import { Button } from "@/components/ui/button";
import type { TokenPage } from "@/lib/db/queries/tokens";
import { SCOPE_NAMES } from "@/lib/tokens";
import { DEFAULT_PAGE_SIZE, PAGE_SIZES, type TokenListParams } from "@/lib/validations/token";

import { tokenColumns } from "./columns";
import { CreateTokenDialog } from "./create-token-dialog";
import { NoticeBar, useTokenDialogs } from "./token-dialogs";

const STATUS_OPTIONS = [
  { value: "active", label: "Active" },
  { value: "disabled", label: "Disabled" },
  { value: "expired", label: "Expired" },
  { value: "revoked", label: "Revoked" },
];
const VISIBILITY_OPTIONS = [
  { value: "admin_only", label: "Admin only" },
  { value: "organization", label: "Organization members" },
];
const SCOPE_OPTIONS = SCOPE_NAMES.map((scope) => ({ value: scope, label: scope }));

/** The tokens list: search, filters, sorting and pages are URL state, queried on the server. */
export function TokensTable({
  orgSlug,
  canManage,
  page,
  params,
}: {
  orgSlug: string;
  canManage: boolean;
  page: TokenPage;
  params: TokenListParams;
}) {
  const { setParams, setSorting, setPagination, pending } = useUrlTableState({ defaultPageSize: DEFAULT_PAGE_SIZE });
  const { open, dialogs, notice } = useTokenDialogs(orgSlug);
  const [creating, setCreating] = useState(false);
  const columns = useMemo(() => tokenColumns({ orgSlug, canManage, onOpen: open }), [orgSlug, canManage, open]);
  const sorting = useMemo(() => [{ id: params.sort, desc: params.dir === "desc" }], [params.sort, params.dir]);
  const pagination = useMemo(() => ({ pageIndex: page.page - 1, pageSize: page.pageSize }), [page.page, page.pageSize]);
  const filtered = Boolean(params.q || params.status || params.visibility || params.scope);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <DataTableSearch
          label="Search tokens"
          placeholder="Search by name, id or pasted value"
          value={params.q}
          onSearch={(q) => setParams({ q })}
          shortcut="/"
        />
        <DataTableFilter label="Status" value={params.status ?? ""} options={STATUS_OPTIONS} onChange={(status) => setParams({ status })} />
        <DataTableFilter
          label="Visibility"
          value={params.visibility ?? ""}
          options={VISIBILITY_OPTIONS}
          onChange={(visibility) => setParams({ visibility })}
        />
        <DataTableFilter label="Scope" value={params.scope ?? ""} options={SCOPE_OPTIONS} onChange={(scope) => setParams({ scope })} />
        {filtered && (
          <button
            type="button"
            onClick={() => setParams({ q: null, status: null, visibility: null, scope: null })}
            className="text-sm text-indigo-700 hover:underline"
          >
            Clear filters
          </button>
        )}
        {canManage && (
          <Button type="button" className="ml-auto" data-shortcut="c" aria-keyshortcuts="c" onClick={() => setCreating(true)}>
            Create token
          </Button>
        )}
      </div>
      <NoticeBar notice={notice} />
      <DataTable
        label="API tokens"
        columns={columns}
        data={page.rows}
        getRowId={(row) => row.id}
        rowCount={page.total}
        pagination={pagination}
        onPaginationChange={setPagination}
        sorting={sorting}
        onSortingChange={setSorting}
        pending={pending}
        pageSizes={PAGE_SIZES}
        empty={
          filtered
            ? "No tokens match these filters."
            : canManage
              ? "No tokens yet. Create one to use the API."
              : "No tokens are shared with organization members yet."
        }
      />
      {creating && <CreateTokenDialog orgSlug={orgSlug} onClose={() => setCreating(false)} />}
      {dialogs}
    </div>
  );
}
