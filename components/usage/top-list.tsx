import { RelativeTime } from "@/components/format/relative-time";
import type { TopValue } from "@/lib/db/queries/usage";

/** A ranked list with bars relative to the first entry: top routes, client IPs, user agents. */
export function TopList({ title, items, emptyLabel = "(none)" }: { title: string; items: TopValue[]; emptyLabel?: string }) {
  const top = items[0]?.requests ?? 0;
  return (
    // min-w-0: a grid item may shrink below its longest route or user agent, which then truncates.
    <section className="min-w-0 rounded-lg border border-slate-200 bg-white p-4" aria-label={title}>
      <h3 className="mb-3 text-sm font-medium text-slate-900">{title}</h3>
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">No requests in the last 30 days.</p>
      ) : (
        <ol className="space-y-2.5">
          {items.map((item) => (
            <li key={item.value} className="text-sm">
              <div className="flex items-baseline justify-between gap-3">
                <span className="truncate font-mono text-xs text-slate-800" title={item.value || emptyLabel}>
                  {item.value || <span className="text-slate-400">{emptyLabel}</span>}
                </span>
                <span className="shrink-0 tabular-nums text-slate-700">{item.requests.toLocaleString("en")}</span>
              </div>
              <div className="mt-1 h-1.5 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
                <div className="h-full rounded-full bg-indigo-500" style={{ width: `${top > 0 ? (item.requests / top) * 100 : 0}%` }} />
              </div>
              <p className="mt-0.5 text-xs text-slate-500">
                last <RelativeTime date={item.lastAt} />
                {item.denied > 0 && <span className="text-rose-700"> · {item.denied.toLocaleString("en")} refused (401/403)</span>}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
