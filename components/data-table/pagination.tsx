"use client";

import type { PaginationState } from "@tanstack/react-table";

const DEFAULT_PAGE_SIZES = [10, 25, 50, 100] as const;

export function DataTablePagination({
  pageIndex,
  pageSize,
  rowCount,
  pageSizes = DEFAULT_PAGE_SIZES,
  onChange,
}: {
  pageIndex: number;
  pageSize: number;
  rowCount: number;
  pageSizes?: readonly number[];
  onChange: (next: PaginationState) => void;
}) {
  const pageCount = Math.max(1, Math.ceil(rowCount / pageSize));
  const first = rowCount === 0 ? 0 : pageIndex * pageSize + 1;
  const last = Math.min(rowCount, (pageIndex + 1) * pageSize);
  const go = (index: number) => onChange({ pageIndex: Math.min(Math.max(0, index), pageCount - 1), pageSize });
  const button =
    "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50 disabled:cursor-not-allowed disabled:text-slate-300";
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
      <p aria-live="polite">
        {rowCount === 0 ? "No results" : `${first.toLocaleString("en")}–${last.toLocaleString("en")} of ${rowCount.toLocaleString("en")}`}
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <label className="flex items-center gap-2">
          Rows per page
          <select
            value={pageSize}
            onChange={(e) => onChange({ pageIndex: 0, pageSize: Number(e.target.value) })}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
          >
            {pageSizes.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className={button} onClick={() => go(0)} disabled={pageIndex === 0} aria-label="First page">
          «
        </button>
        <button type="button" className={button} onClick={() => go(pageIndex - 1)} disabled={pageIndex === 0}>
          Previous
        </button>
        <span className="whitespace-nowrap">
          Page {(pageIndex + 1).toLocaleString("en")} of {pageCount.toLocaleString("en")}
        </span>
        <button type="button" className={button} onClick={() => go(pageIndex + 1)} disabled={pageIndex >= pageCount - 1}>
          Next
        </button>
        <button
          type="button"
          className={button}
          onClick={() => go(pageCount - 1)}
          disabled={pageIndex >= pageCount - 1}
          aria-label="Last page"
        >
          »
        </button>
      </div>
    </nav>
  );
}
