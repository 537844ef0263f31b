import { RelativeTime } from "@/components/format/relative-time";
import type { RefusedCallSummary } from "@/lib/db/queries/refused-calls";

/**
 * Calls the API refused before running them, per reason: counted, not in the request log. Shows an
 * admin that a revoked or replaced value is still being tried, and from when.
 */
export function RefusedCallsPanel({ refused }: { refused: RefusedCallSummary[] }) {
  return (
    <section
      className="rounded-lg border border-slate-200 bg-white p-4"
      aria-labelledby="refused-calls-heading"
      data-testid="refused-calls"
    >
      <h3 id="refused-calls-heading" className="text-sm font-medium text-slate-900">
        Refused calls
      </h3>
      <p className="mb-3 text-xs text-slate-500">Counted per reason, not listed in the request log below.</p>
      {refused.length === 0 ? (
        <p className="text-sm text-slate-500">None in the last 7 days.</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {refused.map((row) => (
            <li
              key={row.reason}
              className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-0.5 py-2"
              data-testid="refused-reason"
            >
              <span className="font-medium text-rose-800">{row.label}</span>
              <span className="text-xs tabular-nums text-slate-600">
                {row.last24h.toLocaleString("en")} in 24 h · {row.last7d.toLocaleString("en")} in 7 days · last{" "}
                <RelativeTime date={row.lastAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
