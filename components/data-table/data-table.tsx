"use client";

import {
  createColumnHelper,
  functionalUpdate,
  rowPaginationFeature,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type PaginationState,
  type RowData,
  type SortingState,
  type Updater,
} from "@tanstack/react-table";
import type { ReactNode } from "react";

import { DataTablePagination } from "./pagination";

export type DataTableColumnMeta = {
  /** Extra classes for this column's header and cells (alignment, width). */
  className?: string;
};

/** The table features every list in the app uses: sorting and pagination, both done by the server. */
export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  rowPaginationFeature,
  columnMeta: {} as DataTableColumnMeta,
});

type Features = typeof dataTableFeatures;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a column list mixes value types
export type DataTableColumn<TData extends RowData> = ColumnDef<Features, TData, any>;

export function dataTableColumns<TData extends RowData>() {
  return createColumnHelper<Features, TData>();
}

export type DataTableProps<TData extends RowData> = {
  /** Accessible name of the table. */
  label: string;
  columns: DataTableColumn<TData>[];
  data: TData[];
  getRowId: (row: TData) => string;
  /** Rows matching the filters on the server, across all pages. */
  rowCount: number;
  pagination: PaginationState;
  onPaginationChange: (next: PaginationState) => void;
  sorting?: SortingState;
  onSortingChange?: (next: SortingState) => void;
  /** True while the next page is loading: the current one stays visible, dimmed. */
  pending?: boolean;
  empty: ReactNode;
  pageSizes?: readonly number[];
};

/** The key column stays in view while the rest of a wide table scrolls under it. */
const PINNED = "sticky left-0 z-10 shadow-[1px_0_0_var(--color-slate-200)]";

/** One generic table: server-side sorting and pagination, state owned by the caller (the URL). */
export function DataTable<TData extends RowData>({
  label,
  columns,
  data,
  getRowId,
  rowCount,
  pagination,
  onPaginationChange,
  sorting = [],
  onSortingChange,
  pending = false,
  empty,
  pageSizes,
}: DataTableProps<TData>) {
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data,
    getRowId,
    rowCount,
    manualPagination: true,
    manualSorting: true,
    enableSorting: Boolean(onSortingChange),
    enableMultiSort: false,
    enableSortingRemoval: false,
    state: { pagination, sorting },
    onPaginationChange: (updater: Updater<PaginationState>) => onPaginationChange(functionalUpdate(updater, pagination)),
    onSortingChange: (updater: Updater<SortingState>) => onSortingChange?.(functionalUpdate(updater, sorting)),
  });

  return (
    <div className="space-y-3">
      {/*
        Wider than a phone: the table scrolls sideways inside this region (focusable, so keyboard users
        can scroll it too) with the first column pinned, and the page itself keeps its width.
      */}
      <div
        role="region"
        aria-label={`${label} (scrolls sideways)`}
        tabIndex={0}
        className={`relative overflow-x-auto rounded-lg border border-slate-200 bg-white transition-opacity focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${pending ? "opacity-60" : ""}`}
        aria-busy={pending}
      >
        <table aria-label={label} className="min-w-full divide-y divide-slate-200 text-sm">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header, index) => {
                  const sorted = header.column.getIsSorted();
                  const className = header.column.columnDef.meta?.className ?? "";
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                      className={`whitespace-nowrap px-4 py-2 ${index === 0 ? `${PINNED} bg-slate-50` : ""} ${className}`}
                    >
                      {header.isPlaceholder ? null : header.column.getCanSort() ? (
                        <button
                          type="button"
                          onClick={header.column.getToggleSortingHandler()}
                          className="inline-flex items-center gap-1 uppercase hover:text-slate-900"
                        >
                          <table.FlexRender header={header} />
                          <SortIcon direction={sorted} />
                        </button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-slate-100">
            {table.getRowModel().rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length} className="px-4 py-10 text-center text-slate-600">
                  {empty}
                </td>
              </tr>
            ) : (
              table.getRowModel().rows.map((row) => (
                <tr key={row.id} className="group align-top hover:bg-slate-50">
                  {row.getAllCells().map((cell, index) => (
                    <td
                      key={cell.id}
                      className={`px-4 py-2.5 ${index === 0 ? `${PINNED} bg-white group-hover:bg-slate-50` : ""} ${cell.column.columnDef.meta?.className ?? ""}`}
                    >
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <DataTablePagination
        pageIndex={pagination.pageIndex}
        pageSize={pagination.pageSize}
        rowCount={rowCount}
        pageSizes={pageSizes}
        onChange={onPaginationChange}
      />
    </div>
  );
}

function SortIcon({ direction }: { direction: false | "asc" | "desc" }) {
  return (
    <svg viewBox="0 0 12 12" aria-hidden="true" className={`h-3 w-3 ${direction ? "text-slate-900" : "text-slate-300"}`}>
      {direction !== "desc" && <path fill="currentColor" d="M6 1.5 9.5 5h-7z" />}
      {direction !== "asc" && <path fill="currentColor" d="M6 10.5 2.5 7h7z" />}
    </svg>
  );
}
