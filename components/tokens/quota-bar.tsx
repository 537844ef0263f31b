import type { QuotaWindow } from "@/lib/tokens";

import { QUOTA_WINDOW_LABELS } from "./labels";

/** Remaining of the maximum, as numbers and a bar that turns amber, then red, as it runs out. */
export function QuotaBar({ remaining, max, window }: { remaining: number; max: number; window: QuotaWindow }) {
  const fraction = max > 0 ? Math.min(1, Math.max(0, remaining / max)) : 0;
  const color = fraction > 0.25 ? "bg-green-500" : fraction > 0.05 ? "bg-amber-500" : "bg-red-500";
  return (
    <div className="min-w-32">
      <div className="whitespace-nowrap text-xs text-slate-700">
        <span className="font-medium tabular-nums">{remaining.toLocaleString("en")}</span>
        <span className="text-slate-500">
          {" "}
          / {max.toLocaleString("en")} {QUOTA_WINDOW_LABELS[window]}
        </span>
      </div>
      <div
        role="meter"
        aria-label="Quota remaining"
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={remaining}
        className="mt-1 h-1.5 w-full overflow-hidden rounded-full bg-slate-100"
      >
        <div className={`h-full rounded-full ${color}`} style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  );
}
