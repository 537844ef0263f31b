"use client";

import { useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";

import { DataTable } from "@/components/data-table/data-table";
import { DataTableFilter, DataTableSearch } from "@/components/data-table/toolbar";
import { useUrlTableState } from "@/components/data-table/use-url-state";
import type { RequestLogPage } from "@/lib/db/queries/usage";
import { OUTCOME_LABELS, OUTCOMES } from "@/lib/domain/usage/outcomes";
import { DEFAULT_REQUEST_LOG_PAGE_SIZE, REQUEST_LOG_MAX_ROWS, REQUEST_LOG_PAGE_SIZES, type RequestLogSort } from "@/lib/validations/usage";

import { requestLogColumns } from "./request-log-columns";

/** The log's filters and sort as the server understood them (URL state; times are ISO strings). */
export type RequestLogView = {
  from: string | null;
  to: string | null;
  status: string;
  route: string;
  ip: string;
  sort: RequestLogSort;
  dir: "asc" | "desc";
};

const STATUS_OPTIONS = [
  ...OUTCOMES.map((outcome) => ({ value: outcome, label: OUTCOME_LABELS[outcome] })),
  ...[200, 201, 400, 401, 403, 404, 409, 413, 422, 429, 500, 503].map((code) => ({ value: String(code), label: `Exactly ${code}` })),
];

const PRESETS = [
  { value: "1h", label: "Last hour", ms: 3600_000 },
  { value: "24h", label: "Last 24 hours", ms: 24 * 3600_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 24 * 3600_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 24 * 3600_000 },
];

/** "2030-01-31T10:15", the value of a datetime-local input, read and written as UTC. */
const toInputValue = (iso: string | null) => (iso ? iso.slice(0, 16) : "");

/** A token's calls: server-side pages, sorting and filters in the URL, CSV export of the filtered rows. */
export function RequestLogTable({
  page,
  view,
  routeOptions,
  csvPath,
  renderedAt,
}: {
  page: RequestLogPage;
  view: RequestLogView;
  routeOptions: string[];
  csvPath: string;
  /** When the server rendered the page (ISO): relative times are counted from it. */
  renderedAt: string;
}) {
  const { setParams, setSorting, setPagination, pending } = useUrlTableState({ defaultPageSize: DEFAULT_REQUEST_LOG_PAGE_SIZE });
  const searchParams = useSearchParams();
  const columns = useMemo(() => requestLogColumns(new Date(renderedAt)), [renderedAt]);
  const sorting = useMemo(() => [{ id: view.sort, desc: view.dir === "desc" }], [view.sort, view.dir]);
  const pagination = useMemo(() => ({ pageIndex: page.page - 1, pageSize: page.pageSize }), [page.page, page.pageSize]);
  const filtered = Boolean(view.from || view.to || view.status || view.route || view.ip);

  const csvHref = useMemo(() => {
    const query = new URLSearchParams();
    for (const key of ["from", "to", "status", "route", "ip"]) {
      const value = searchParams.get(key);
      if (value) query.set(key, value);
    }
    const text = query.toString();
    return text ? `${csvPath}?${text}` : csvPath;
  }, [csvPath, searchParams]);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <DataTableFilter
          label="Time"
          value=""
          anyLabel="Quick range…"
          options={PRESETS}
          onChange={(preset) => {
            const chosen = PRESETS.find((p) => p.value === preset);
            if (chosen) setParams({ from: new Date(Date.now() - chosen.ms).toISOString().slice(0, 16), to: null });
          }}
        />
        <TimeRange from={view.from} to={view.to} onApply={(from, to) => setParams({ from, to })} />
        <DataTableFilter label="Status" value={view.status} options={STATUS_OPTIONS} onChange={(status) => setParams({ status })} />
        <DataTableFilter
          label="Route"
          value={view.route}
          options={routeOptions.map((route) => ({ value: route, label: route }))}
          onChange={(route) => setParams({ route })}
        />
        <DataTableSearch label="Client IP" placeholder="Client IP (exact)" value={view.ip} onSearch={(ip) => setParams({ ip })} />
        {filtered && (
          <button
            type="button"
            onClick={() => setParams({ from: null, to: null, status: null, route: null, ip: null })}
            className="text-sm text-indigo-700 hover:underline"
          >
            Clear filters
          </button>
        )}
        <a
          href={csvHref}
          download
          className="ml-auto inline-flex items-center rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50"
        >
          Export CSV
        </a>
      </div>
      {page.capped && (
        <p className="text-sm text-slate-600">
          More than {REQUEST_LOG_MAX_ROWS.toLocaleString("en")} requests match; pages cover the first{" "}
          {REQUEST_LOG_MAX_ROWS.toLocaleString("en")}. Narrow the filters to go further back, or export CSV for all of them.
        </p>
      )}
      <DataTable
        label="Request log"
        columns={columns}
        data={page.rows}
        getRowId={(row) => String(row.id)}
        rowCount={page.total}
        pagination={pagination}
        onPaginationChange={setPagination}
        sorting={sorting}
        onSortingChange={setSorting}
        pending={pending}
        pageSizes={REQUEST_LOG_PAGE_SIZES}
        empty={filtered ? "No requests match these filters." : "No requests logged for this token yet."}
      />
    </div>
  );
}

function TimeRange({
  from,
  to,
  onApply,
}: {
  from: string | null;
  to: string | null;
  onApply: (from: string | null, to: string | null) => void;
}) {
  const [draft, setDraft] = useState({ from: toInputValue(from), to: toInputValue(to) });
  const [shown, setShown] = useState({ from, to });
  // Follow the URL when it changes elsewhere (a quick range, "Clear filters").
  if (shown.from !== from || shown.to !== to) {
    setShown({ from, to });
    setDraft({ from: toInputValue(from), to: toInputValue(to) });
  }
  const input = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm shadow-sm";
  return (
    <form
      className="flex flex-wrap items-end gap-2 text-sm text-slate-600"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft.from || null, draft.to || null);
      }}
    >
      <label className="flex flex-col gap-0.5">
        <span className="text-xs">From (UTC)</span>
        <input type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} className={input} />
      </label>
      <label className="flex flex-col gap-0.5">
        <span className="text-xs">To (UTC)</span>
        <input type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} className={input} />
      </label>
      <button type="submit" className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50">
        Apply
      </button>
    </form>
  );
}
